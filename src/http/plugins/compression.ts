/**
 * Response compression: brotli (quality 4, the library's speed-minded default) or gzip for
 * compressible bodies of at least 1 KiB; smaller bodies go out as they are, since compressing
 * them costs more time than the bytes save. Streams (exports) are compressed on the fly.
 *
 * Cached reads are compressed once per answer instead of once per reply: a fresh L1 hit's bytes
 * are compressed on first demand and kept with the entry (MemoryLayer.encoded), and sent with the
 * Content-Encoding and Vary that @fastify/compress would set (which then leaves them alone). The
 * negotiation and the compressor below are the plugin's, so both paths pick the same coding.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import compress from '@fastify/compress';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { HitVariant, MemoryRecord } from '../../cache/memory.js';
import type { TallyCache } from '../../cache/tally-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** True when the compression plugin is registered (the ops stack is on). */
    compressesReplies: boolean;
  }
}

export const COMPRESS_THRESHOLD_BYTES = 1024;
const CODINGS = ['br', 'gzip'] as const;
export type ReplyCoding = (typeof CODINGS)[number];
const CODING_LIST: ReplyCoding[] = [...CODINGS];
const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
/** @fastify/compress reads `*` (no preference) and `x-gzip` as gzip. */
const GZIP_ALIASES = /\*|x-gzip/g;

/**
 * Accept-Encoding value → its coding: browsers send one of a handful of values, the same on every
 * request, so a cached read (the hit lane) looks the answer up instead of parsing q-values again.
 */
const negotiated = new Map<string, ReplyCoding | null>();
const NEGOTIATED_MAX = 256;

/** The coding @fastify/compress picks for a request (null: identity), whatever the body. */
export function negotiatedCoding(headers: IncomingHttpHeaders): ReplyCoding | null {
  const header = headers['accept-encoding'];
  if (header === undefined || headers['x-no-compression'] !== undefined) return null;
  let coding = negotiated.get(header);
  if (coding === undefined) {
    coding = negotiate(header.toLowerCase().replace(GZIP_ALIASES, 'gzip'), CODING_LIST);
    if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
    negotiated.set(header, coding);
  }
  return coding;
}

const COMPRESSORS: Readonly<Record<ReplyCoding, (bytes: Buffer) => Buffer>> = {
  br: (bytes) => brotliCompressSync(bytes, BROTLI_OPTIONS),
  gzip: (bytes) => gzipSync(bytes),
};

/** What the plugin's synchronous path makes of a buffered body. */
export function compressorFor(coding: ReplyCoding): (bytes: Buffer) => Buffer {
  return COMPRESSORS[coding];
}

/**
 * An L1 hit's reply (`bytes`, the record's `variant`) compressed in `coding`, as the plugin would
 * send it but made once per answer and coding and kept with the entry; null when the reply goes
 * as it is: no acceptable coding, a body under the threshold, or one compression does not shrink.
 */
export function compressedHit(cache: TallyCache, key: string, record: MemoryRecord, variant: HitVariant, bytes: Buffer, coding: ReplyCoding | null): Buffer | null {
  if (coding === null || bytes.length < COMPRESS_THRESHOLD_BYTES) return null;
  return cache.encodedMemoryHit(key, record, variant, coding, compressorFor(coding));
}

/** `Vary: accept-encoding` added to what is there, as @fastify/compress does. */
export function varyOnEncoding(vary: string | undefined): string {
  if (vary === undefined || vary === '') return 'accept-encoding';
  return /accept-encoding/i.test(vary) ? vary : `${vary}, accept-encoding`;
}

/** Sends bytes already compressed with `coding`; @fastify/compress passes them through. */
export function sendEncoded(reply: FastifyReply, coding: ReplyCoding, bytes: Buffer): FastifyReply {
  const vary = reply.getHeader('vary');
  reply.header('vary', varyOnEncoding(Array.isArray(vary) ? vary.join(', ') : vary === undefined ? undefined : String(vary)));
  reply.header('content-encoding', coding);
  return reply.send(bytes);
}

export const compressionPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(compress, {
      global: true,
      threshold: COMPRESS_THRESHOLD_BYTES,
      encodings: CODING_LIST,
      brotliOptions: BROTLI_OPTIONS,
      // Request bodies are not inflated: ingest limits apply to the bytes that arrive.
    });
    app.decorate('compressesReplies', true);
  },
  { name: 'tally-compression' },
);
