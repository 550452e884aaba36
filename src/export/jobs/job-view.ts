/** A job as GET /exports/{id} shows it: status, progress and, once done, where the file is. */
import type { ExportFormat } from '../types.js';
import type { LiveProgress } from './job-runner.js';
import type { ExportJob, JobStatus } from './job-store.js';

export interface JobView {
  id: string;
  status: JobStatus;
  format: ExportFormat;
  kind: 'query' | 'events';
  rowsWritten: number;
  /** Rows expected (raw events: counted before writing; query results: once computed); null = unknown. */
  totalEstimate: number | null;
  /** rowsWritten / totalEstimate in [0, 1]; 1 once done; null when the total is unknown. */
  progress: number | null;
  fileName: string | null;
  bytes: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  expiresAt: string | null;
  /** The download URL while the file exists. */
  file: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function jobView(job: ExportJob, live: LiveProgress | null, fileUrl: (id: string) => string): JobView {
  const rows = live?.rows ?? job.rowsWritten;
  const total = live?.total ?? job.totalEstimate;
  const progress = job.status === 'done' ? 1 : total === null ? null : total === 0 ? 0 : Math.min(1, rows / total);
  return {
    id: job.id,
    status: job.status,
    format: job.format,
    kind: job.request.query ? 'query' : 'events',
    rowsWritten: rows,
    totalEstimate: total,
    progress,
    fileName: job.fileName,
    bytes: job.bytes,
    error: job.error,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    expiresAt: iso(job.expiresAt),
    file: job.status === 'done' ? fileUrl(job.id) : null,
  };
}
