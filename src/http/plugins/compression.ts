/**
 * Response compression: brotli (quality 4, the library's speed-minded default) or gzip for
 * compressible bodies of at least 1 KiB; smaller bodies go out as they are, since compressing
 * them costs more time than the bytes save. Streams (exports) are compressed on the fly.
 */
import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const COMPRESS_THRESHOLD_BYTES = 1024;

export const compressionPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(compress, {
      global: true,
      threshold: COMPRESS_THRESHOLD_BYTES,
      encodings: ['br', 'gzip'],
      // Request bodies are not inflated: ingest limits apply to the bytes that arrive.
    });
  },
  { name: 'tally-compression' },
);
