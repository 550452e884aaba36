/**
 * The export benchmark's server and clients: a Tally app over the export dataset wired like
 * `tally serve` (store with an export directory, engine, ExportService, the full HTTP stack with
 * rate limits off), an HTTP client that downloads an export and throws the bytes away, and the
 * DuckDB COPY and bare exceljs baselines.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { IngestKeys } from '../../src/auth/ingest-keys.js';
import { signToken } from '../../src/auth/jwt.js';
import { defaultOpsConfig } from '../../src/config/ops.js';
import { QueryEngine } from '../../src/engine/query-engine.js';
import { ExportService } from '../../src/export/index.js';
import type { ExportRequest } from '../../src/export/index.js';
import type { SqlSelect } from '../../src/export/types.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import type { Catalog } from '../../src/model/types.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';

export const JWT = { secret: 'bench-only-secret-0123456789-0123456789', issuer: null, audience: null };

export interface BenchServer {
  app: FastifyInstance;
  store: DuckDbStore;
  exports: ExportService;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function openServer(db: string, outDir: string, catalog: Catalog, org: string, now: number, threads: number, memoryLimit?: string): Promise<BenchServer> {
  const store = await DuckDbStore.open({ path: db, threads, exportDir: outDir, ...(memoryLimit ? { memoryLimit } : {}) });
  await store.migrate(catalog);
  const engine = new QueryEngine(store, catalog, { now: () => now, queryTimeoutMs: 0 });
  const exports = new ExportService({ store, engine, dir: outDir });
  const ops = defaultOpsConfig();
  const app = await buildApp({
    store,
    engine,
    ingest: new IngestService(store, catalog, { maxBatchEvents: 10_000 }),
    keys: new IngestKeys(store),
    jwt: JWT,
    bodyLimitBytes: 1024 * 1024,
    logger: false,
    exports,
    ops: { ...ops, rateLimits: { ...ops.rateLimits, enabled: false } },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const token = await signToken(JWT, { sub: 'bench', org, role: 'analyst' }, 6 * 3600);
  return {
    app,
    store,
    exports,
    port: (app.server.address() as AddressInfo).port,
    token,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export interface Download {
  status: number;
  bytes: number;
  ms: number;
}

/** POST /exports over a real socket; the body is counted and dropped as fast as it arrives. */
/** Where download() connects: a BenchServer, or its port and token handed to another process. */
export type DownloadTarget = Pick<BenchServer, 'port' | 'token'>;

export function download(server: DownloadTarget, request: ExportRequest): Promise<Download> {
  const body = JSON.stringify(request);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/api/v1/exports',
        agent: false,
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** DuckDB's own CSV writer on the same SELECT, with the same bound parameters, into the export directory. */
export async function copyCsv(store: DuckDbStore, select: SqlSelect, file: string): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  let rows = 0;
  const sql = `COPY (${select.sql}) TO $${select.params.length + 1} (FORMAT csv, HEADER)`;
  for await (const chunk of store.stream(sql, [...select.params, file])) rows += Number(chunk[0]?.['Count'] ?? 0);
  return { rows, ms: performance.now() - started };
}

export type BareCell = string | number | boolean | Date | null;

/**
 * A bare exceljs streaming writer fed rows already in memory, with the settings of Tally's
 * writer (no shared strings, styles for the header and the date column) into a null sink.
 */
export async function bareXlsx(header: readonly string[], timeColumn: number, rows: readonly BareCell[][]): Promise<{ bytes: number; ms: number }> {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  const started = performance.now();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet('Export');
  sheet.columns = header.map((_, i) => (i === timeColumn ? { style: { numFmt: 'yyyy-mm-dd hh:mm:ss.000' } } : {}));
  const head = sheet.addRow([...header]);
  head.font = { bold: true };
  head.commit();
  for (const row of rows) sheet.addRow(row).commit();
  sheet.commit();
  await book.commit();
  return { bytes, ms: performance.now() - started };
}
