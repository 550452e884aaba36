/** NDJSON: one JSON object per line (`\n`), nothing else, so any line-by-line reader can stream it. */
import { finish, put } from '../sink.js';
import type { RowSource } from '../types.js';
import { jsonRowEncoder } from './json-rows.js';
import type { FormatWriter, WriteContext } from './writer.js';

export const writeNdjson: FormatWriter = async (source: RowSource, ctx: WriteContext) => {
  const encode = jsonRowEncoder(source);
  let rows = 0;
  for await (const chunk of source.chunks(ctx.signal)) {
    let text = '';
    for (const row of chunk) text += encode(row) + '\n';
    await put(ctx.out, text, ctx.signal);
    rows += chunk.length;
    ctx.onRows?.(rows);
  }
  await finish(ctx.out);
  return rows;
};
