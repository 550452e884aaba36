/**
 * Exports (API.md "Exports", docs/exports.md): POST /exports streams a query result or raw
 * events as a file, or with ?async=true queues a job; GET /exports[/{id}[/file]] and DELETE
 * /exports/{id} manage the org's jobs. Other orgs' jobs answer 404.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.js';
import type { ExportRequest, ExportService } from '../../export/index.js';
import { contentDisposition, EXPORT_FORMATS, FORMAT_INFO, JOB_STATUSES, jobView, RAW_ORDERS } from '../../export/index.js';
import { userOf } from '../plugins/auth.js';
import { FilterSchema, problemResponses, ProblemSchema, QuerySchema, TimeRangeSchema } from '../schemas/common.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const RawSchema = Type.Object(
  {
    timeRange: Type.Optional(TimeRangeSchema),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 50 })),
    events: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 })),
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500, description: 'time, event, actor, id, declared props, props, props.<name>; default all' })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    order: Type.Optional(Type.Unsafe<(typeof RAW_ORDERS)[number]>({ type: 'string', enum: [...RAW_ORDERS], description: 'time (default, oldest first) or none (storage order)' })),
  },
  { additionalProperties: false },
);

const ExportBody = Type.Object(
  {
    format: Type.Unsafe<(typeof EXPORT_FORMATS)[number]>({ type: 'string', enum: [...EXPORT_FORMATS] }),
    query: Type.Optional(QuerySchema),
    raw: Type.Optional(RawSchema),
  },
  { additionalProperties: false, description: 'Exactly one of query (a query result) and raw (events)' },
);

const JobSchema = Type.Object({
  id: Type.String(),
  status: Type.Unsafe<(typeof JOB_STATUSES)[number]>({ type: 'string', enum: [...JOB_STATUSES] }),
  format: Type.String(),
  kind: Type.String(),
  rowsWritten: Type.Number(),
  totalEstimate: Nullable(Type.Number()),
  progress: Nullable(Type.Number()),
  fileName: Nullable(Type.String()),
  bytes: Nullable(Type.Number()),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  expiresAt: Nullable(Type.String()),
  file: Nullable(Type.String()),
});

// Streams are sent as they are (never serialized); the schema documents the reply in OpenAPI.
const FileReply = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The file (Content-Disposition: attachment)' });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const errors = { ...problemResponses, 404: ProblemSchema, 409: ProblemSchema, 410: ProblemSchema, 429: ProblemSchema, 501: ProblemSchema };
const base = { tags: ['exports'], security: [{ bearer: [] }] };
// Status and downloads are cheap: they do not take one of the org's expensive-read slots.
const light = { permission: 'export:run' as const, expensive: false };

export const exportRoutes: FastifyPluginAsyncTypebox<{ exports: ExportService }> = async (app, { exports }) => {
  const fileUrl = (id: string): string => `${app.prefix}/exports/${id}/file`;
  const view = async (org: string, id: string) => jobView(await exports.job(org, id), exports.liveProgress(id), fileUrl);
  app.addHook('onReady', async () => exports.start(app.log));
  app.addHook('preClose', async () => exports.stop());

  app.post('/exports', {
    config: { permission: 'export:run' },
    schema: {
      ...base,
      summary: 'Export a query result or raw events (streamed), or queue a job with ?async=true',
      querystring: Type.Object({ async: Type.Optional(Type.Boolean()) }),
      body: ExportBody,
      response: { 200: FileReply, 202: JobSchema, ...errors },
    },
    handler: async (request, reply) => {
      const user = userOf(request);
      const body = request.body as ExportRequest;
      if (request.query.async) {
        const job = await exports.submit(body, user);
        return reply.status(202).header('location', `${app.prefix}/exports/${job.id}`).send(jobView(job, null, fileUrl));
      }
      const run = await exports.startSync(body, user);
      // The response's close without a finished write is the client going away: stop the statement.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) run.abort(new Error('client disconnected'));
      });
      return reply
        .type(run.prepared.contentType)
        .header('content-disposition', contentDisposition(run.prepared.fileName))
        .header('x-tally-timezone', run.prepared.source.meta.timezone)
        .header('cache-control', 'no-store')
        .send(run.stream);
    },
  });

  app.get('/exports', {
    config: light,
    schema: { ...base, summary: "Your org's export jobs, newest first", response: { 200: Type.Object({ jobs: Type.Array(JobSchema) }), ...errors } },
    handler: async (request) => {
      const org = userOf(request).org;
      return { jobs: (await exports.list(org)).map((job) => jobView(job, exports.liveProgress(job.id), fileUrl)) };
    },
  });

  app.get('/exports/:id', {
    config: light,
    schema: { ...base, summary: 'An export job: status, rows written, progress', params: IdParams, response: { 200: JobSchema, ...errors } },
    handler: async (request) => view(userOf(request).org, request.params.id),
  });

  app.get('/exports/:id/file', {
    config: light,
    schema: { ...base, summary: "A finished job's file", params: IdParams, response: { 200: FileReply, ...errors } },
    handler: async (request, reply) => {
      const job = await exports.file(userOf(request).org, request.params.id);
      const size = await stat(job.filePath).then((s) => s.size, () => null);
      if (size === null) throw new AppError('EXPORT_EXPIRED', 'This export file is gone; run the export again.');
      return reply
        .type(FORMAT_INFO[job.format].contentType)
        .header('content-disposition', contentDisposition(job.fileName ?? `${job.id}.${FORMAT_INFO[job.format].extension}`))
        .header('content-length', size)
        .header('cache-control', 'private, no-store')
        .send(createReadStream(job.filePath));
    },
  });

  app.delete('/exports/:id', {
    config: light,
    schema: { ...base, summary: 'Cancel a queued or running job, or delete a finished file', params: IdParams, response: { 200: JobSchema, ...errors } },
    handler: async (request) => {
      const org = userOf(request).org;
      const job = await exports.cancel(org, request.params.id);
      return jobView(job, null, fileUrl);
    },
  });
};
