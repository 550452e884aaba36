/** Dialect lookup by store name; the store port reports which one it speaks. */
import type { DialectName } from '../../store/port.js';
import type { Dialect } from './dialect.js';
import { duckdb } from './duckdb.js';
import { postgres } from './postgres.js';

export type { Dialect, TruncUnit } from './dialect.js';
export { duckdb, postgres };

const DIALECTS: Record<DialectName, Dialect> = { duckdb, postgres };

export function dialectFor(name: DialectName): Dialect {
  return DIALECTS[name];
}
