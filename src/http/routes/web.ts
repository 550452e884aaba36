/**
 * The dashboard (web/, built by Vite into web/dist) served by the API itself, so `npm start` is
 * one process. Hashed /assets/* files are immutable and cached for a year; index.html is
 * revalidated every time so a new build is picked up at once. Client-side routes fall back to
 * index.html; /api, /docs, /health and /metrics are never matched here (explicit list below).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Same depth from src/http/routes and dist/http/routes: the repository root is three up. */
export const WEB_DIST = path.resolve(here, '..', '..', '..', 'web', 'dist');

/** The dashboard's client routes (web/src/app.tsx); each answers index.html. */
const CLIENT_ROUTES = ['/', '/login', '/overview', '/explore', '/learning', '/learning/*', '/support', '/commerce', '/live', '/system'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

async function sendFile(reply: FastifyReply, file: string, cacheControl: string): Promise<FastifyReply> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return reply.status(404).type('text/plain').send('Not found');
  return reply
    .header('cache-control', cacheControl)
    .header('content-length', info.size)
    .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
    .send(createReadStream(file));
}

export const webRoutes: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
  const root = options.root ?? WEB_DIST;
  const assets = path.join(root, 'assets');
  const config = { permission: 'public' as const };

  for (const url of CLIENT_ROUTES) {
    app.get(url, { config, schema: { hide: true } }, async (_request, reply) => {
      const index = path.join(root, 'index.html');
      if (!(await stat(index).catch(() => null))) {
        return reply.status(503).type('text/plain').send('The dashboard is not built yet: run `npm run build` (web/dist is missing).');
      }
      return sendFile(reply, index, 'no-cache');
    });
  }

  app.get<{ Params: { '*': string } }>('/assets/*', { config, schema: { hide: true } }, async (request, reply) => {
    // Resolve and re-check the prefix so "../" can never leave the assets folder.
    const file = path.resolve(assets, request.params['*']);
    if (!file.startsWith(assets + path.sep)) return reply.status(404).type('text/plain').send('Not found');
    return sendFile(reply, file, 'public, max-age=31536000, immutable');
  });

  app.get('/favicon.svg', { config, schema: { hide: true } }, async (_request, reply) => sendFile(reply, path.join(root, 'favicon.svg'), 'public, max-age=86400'));
};
