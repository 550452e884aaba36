import { DuckDBTypeId } from '@duckdb/node-api';
import type {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampValue,
  DuckDBValue,
} from '@duckdb/node-api';
import type { SqlRow, SqlValue } from '../port.js';

type Convert = (value: DuckDBValue) => SqlValue;

const MS_PER_DAY = 86_400_000;

const identity: Convert = (v) => v as SqlValue;
const fromBigInt: Convert = (v) => Number(v as bigint);
// The binding's toDouble() is a native call per value; plain arithmetic is the same within a ulp.
const fromDecimal: Convert = (v) => {
  const d = v as DuckDBDecimalValue;
  return Number(d.value) / 10 ** d.scale;
};
const fromMicros: Convert = (v) => Math.floor(Number((v as DuckDBTimestampValue).micros) / 1000);
const fromMillis: Convert = (v) => Number((v as DuckDBTimestampMillisecondsValue).millis);
const fromSeconds: Convert = (v) => Number((v as DuckDBTimestampSecondsValue).seconds) * 1000;
const fromNanos: Convert = (v) => Number((v as DuckDBTimestampNanosecondsValue).nanos / 1_000_000n);
const fromDate: Convert = (v) => (v as DuckDBDateValue).days * MS_PER_DAY;
// UUID, INTERVAL, LIST, … are not produced by the query compiler; their display string beats failing.
const fromOther: Convert = (v) => String(v);

function converterFor(typeId: DuckDBTypeId): Convert {
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.SQLNULL:
      return identity;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return fromBigInt;
    case DuckDBTypeId.DECIMAL:
      return fromDecimal;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return fromMicros;
    case DuckDBTypeId.TIMESTAMP_MS:
      return fromMillis;
    case DuckDBTypeId.TIMESTAMP_S:
      return fromSeconds;
    case DuckDBTypeId.TIMESTAMP_NS:
      return fromNanos;
    case DuckDBTypeId.DATE:
      return fromDate;
    default:
      return fromOther;
  }
}

/**
 * Turns result chunks into plain row objects with engine-friendly values (numbers for every
 * numeric type, epoch milliseconds for timestamps). Works column by column on the chunk's
 * vectors: one converter lookup per column instead of one generic dispatch per value.
 */
export class RowConverter {
  private readonly names: readonly string[];
  private readonly converters: readonly Convert[];

  constructor(names: readonly string[], typeIds: readonly DuckDBTypeId[]) {
    this.names = names;
    this.converters = typeIds.map(converterFor);
  }

  /** Appends the chunk's rows to `out` (or a new array) and returns it. */
  convert(chunk: DuckDBDataChunk, out: SqlRow[] = []): SqlRow[] {
    const rowCount = chunk.rowCount;
    const base = out.length;
    for (let r = 0; r < rowCount; r++) out.push({});
    for (let c = 0; c < this.names.length; c++) {
      const name = this.names[c] as string;
      const convert = this.converters[c] as Convert;
      const vector = chunk.getColumnVector(c);
      for (let r = 0; r < rowCount; r++) {
        const value = vector.getItem(r);
        (out[base + r] as SqlRow)[name] = value === null ? null : convert(value);
      }
    }
    return out;
  }
}
