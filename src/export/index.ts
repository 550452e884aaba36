/**
 * Exports: any query result or raw events as CSV, NDJSON, JSON, XLSX or Parquet, with no row
 * cap, streamed with backpressure (memory stays flat whatever the row count; a closed connection
 * stops the store statement), or written by a background job to the export directory.
 *
 * Layout: types.ts (request, columns, RowSource) → prepare.ts (validation, sources) →
 * raw-source.ts / query-source.ts (rows from the store) → formats/ (one writer per format) →
 * export-service.ts (sync exports, limits) → jobs/ (table, runner, views). See docs/exports.md.
 */
export { DEFAULT_EXPORT_SETTINGS, ExportService } from './export-service.js';
export type { ExportServiceOptions, ExportSettings, SyncExport, User } from './export-service.js';
export { contentDisposition } from './file-name.js';
export { FORMAT_INFO } from './formats/writer.js';
export type { ExportJob, JobStatus } from './jobs/job-store.js';
export { JOB_STATUSES } from './jobs/job-store.js';
export { jobView } from './jobs/job-view.js';
export type { JobView } from './jobs/job-view.js';
export { EXPORT_FORMATS, RAW_ORDERS } from './types.js';
export type { ExportColumn, ExportFormat, ExportRequest, RawExportSpec, RowSource } from './types.js';
