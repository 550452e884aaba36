/**
 * Fills a DuckDB data chunk column by column straight through @duckdb/node-bindings: numbers,
 * booleans and timestamps into typed arrays copied into the vector in one call each, validity as
 * a plain bitmask, strings assigned in place. @duckdb/node-api's generic setItem path does the
 * same with a BigInt operation per validity bit and a value object per timestamp; on ingest that
 * was a fifth of the server's CPU (docs/benchmarks.md, bench:ingest).
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBType } from '@duckdb/node-api';

/** A value as the events table takes it; TIMESTAMP columns take epoch milliseconds. */
export type CellValue = string | number | boolean | null;

const TWO_POW_32 = 4_294_967_296;

interface ColumnWriter {
  /** Writes one row's value (never called with null: nulls only clear the validity bit). */
  set(row: number, value: Exclude<CellValue, null>): void;
  flush(vector: duckdb.Vector, rows: number): void;
}

class StringColumn implements ColumnWriter {
  vector: duckdb.Vector | null = null;
  set(row: number, value: Exclude<CellValue, null>): void {
    if (typeof value !== 'string') throw new TypeError(`a text column got a ${typeof value}`);
    duckdb.vector_assign_string_element(this.vector as duckdb.Vector, row, value);
  }
  flush(): void {
    // Strings went into the vector as they were set.
  }
}

class DoubleColumn implements ColumnWriter {
  private readonly data: Float64Array<ArrayBuffer>;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
  set(row: number, value: Exclude<CellValue, null>): void {
    if (typeof value !== 'number') throw new TypeError(`a number column got a ${typeof value}`);
    this.data[row] = value;
  }
  flush(vector: duckdb.Vector, rows: number): void {
    duckdb.copy_data_to_vector(vector, 0, this.data.buffer, this.data.byteOffset, rows * 8);
  }
}

class BooleanColumn implements ColumnWriter {
  private readonly data: Uint8Array<ArrayBuffer>;
  constructor(capacity: number) {
    this.data = new Uint8Array(capacity);
  }
  set(row: number, value: Exclude<CellValue, null>): void {
    if (typeof value !== 'boolean') throw new TypeError(`a boolean column got a ${typeof value}`);
    this.data[row] = value ? 1 : 0;
  }
  flush(vector: duckdb.Vector, rows: number): void {
    duckdb.copy_data_to_vector(vector, 0, this.data.buffer, this.data.byteOffset, rows);
  }
}

/** TIMESTAMP is int64 microseconds; written as two little-endian 32-bit halves, no BigInt. */
class TimestampColumn implements ColumnWriter {
  private readonly data: Int32Array<ArrayBuffer>;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity * 2);
  }
  set(row: number, value: Exclude<CellValue, null>): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`a time column got ${String(value)}`);
    const micros = Math.round(value) * 1000;
    this.data[row * 2] = micros % TWO_POW_32 | 0;
    this.data[row * 2 + 1] = Math.floor(micros / TWO_POW_32);
  }
  flush(vector: duckdb.Vector, rows: number): void {
    duckdb.copy_data_to_vector(vector, 0, this.data.buffer, this.data.byteOffset, rows * 8);
  }
}

/** INTEGER: 32-bit signed whole numbers (the events table's actor_id). */
class IntegerColumn implements ColumnWriter {
  private readonly data: Int32Array<ArrayBuffer>;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }
  set(row: number, value: Exclude<CellValue, null>): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -2_147_483_648 || value > 2_147_483_647) {
      throw new TypeError(`an integer column got ${String(value)}`);
    }
    this.data[row] = value;
  }
  flush(vector: duckdb.Vector, rows: number): void {
    duckdb.copy_data_to_vector(vector, 0, this.data.buffer, this.data.byteOffset, rows * 4);
  }
}

function writerFor(type: DuckDBType, capacity: number, column: number): ColumnWriter {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return new StringColumn();
    case DuckDBTypeId.DOUBLE:
      return new DoubleColumn(capacity);
    case DuckDBTypeId.BOOLEAN:
      return new BooleanColumn(capacity);
    case DuckDBTypeId.TIMESTAMP:
      return new TimestampColumn(capacity);
    case DuckDBTypeId.INTEGER:
      return new IntegerColumn(capacity);
    default:
      throw new Error(`events column ${column} has type ${type.toString()}, which ingest cannot write`);
  }
}

/**
 * Per-column validity bitmasks (DuckDB's layout: bit r of little-endian uint64 words). Every cell
 * starts NULL and becomes valid when a value is set, so cells nobody sets need no work at all.
 */
class Validity {
  private readonly masks: Array<Uint8Array<ArrayBuffer>>;
  constructor(columns: number, capacity: number) {
    const bytes = Math.ceil(capacity / 64) * 8;
    this.masks = Array.from({ length: columns }, () => new Uint8Array(bytes));
  }
  markValid(column: number, row: number): void {
    (this.masks[column] as Uint8Array)[row >> 3]! |= 1 << (row & 7);
  }
  flush(column: number, vector: duckdb.Vector, rows: number): void {
    const mask = this.masks[column] as Uint8Array<ArrayBuffer>;
    const bytes = Math.ceil(rows / 64) * 8;
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, mask.byteOffset, bytes);
    mask.fill(0, 0, bytes);
  }
}

/**
 * One chunk at a time: `start(rows)`, then `set` for every non-null cell, then `finish()` gives
 * the chunk to append. Reused across chunks; not safe for two chunks at once (the writer is serialised).
 */
export class ChunkFiller {
  private readonly writers: ColumnWriter[];
  private readonly validity: Validity;
  private chunk: DuckDBDataChunk | null = null;
  private rows = 0;
  /** Columns holding one value for the whole chunk (a constant vector), set by `constant`. */
  private readonly constants = new Map<number, duckdb.Value>();

  constructor(
    private readonly types: readonly DuckDBType[],
    private readonly capacity: number,
  ) {
    this.writers = types.map((t, i) => writerFor(t, capacity, i));
    this.validity = new Validity(types.length, capacity);
  }

  start(rows: number): void {
    if (rows > this.capacity) throw new RangeError(`a chunk holds at most ${this.capacity} rows, got ${rows}`);
    this.chunk = DuckDBDataChunk.create(this.types, rows);
    this.rows = rows;
    this.constants.clear();
    this.writers.forEach((w, i) => {
      if (w instanceof StringColumn) w.vector = duckdb.data_chunk_get_vector((this.chunk as DuckDBDataChunk).chunk, i);
    });
  }

  /**
   * Gives every row of this chunk's `column` the same value (the org, the receive time) as one
   * constant vector: one native call instead of one per row. Text, or epoch ms for TIMESTAMP.
   */
  constant(column: number, value: string | number): void {
    const type = (this.types[column] as DuckDBType).typeId;
    if (type === DuckDBTypeId.VARCHAR && typeof value === 'string') {
      this.constants.set(column, duckdb.create_varchar(value));
    } else if (type === DuckDBTypeId.TIMESTAMP && typeof value === 'number' && Number.isFinite(value)) {
      this.constants.set(column, duckdb.create_timestamp({ micros: BigInt(Math.round(value)) * 1000n }));
    } else {
      throw new TypeError(`column ${column} (${String(this.types[column])}) cannot hold the constant ${String(value)}`);
    }
  }

  /** A cell left unset (or set to null) is NULL. */
  set(row: number, column: number, value: CellValue): void {
    if (value === null) return;
    (this.writers[column] as ColumnWriter).set(row, value);
    this.validity.markValid(column, row);
  }

  finish(): DuckDBDataChunk {
    const chunk = this.chunk;
    if (chunk === null) throw new Error('finish() without start()');
    this.writers.forEach((w, i) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, i);
      const constant = this.constants.get(i);
      if (constant !== undefined) {
        duckdb.vector_reference_value(vector, constant);
        return;
      }
      w.flush(vector, this.rows);
      this.validity.flush(i, vector, this.rows);
    });
    this.constants.clear();
    this.chunk = null;
    return chunk;
  }
}
