/**
 * JSON: one document `{ "columns": […], "meta": {…}, "rows": [ … ] }`, shaped like a POST /query
 * answer, with `rows` last so it can be streamed; `meta` says what was exported and in which zone
 * the times are written.
 */
import { finish, put } from '../sink.js';
import type { RowSource } from '../types.js';
import { jsonRowEncoder } from './json-rows.js';
import type { FormatWriter, WriteContext } from './writer.js';

export function jsonPreamble(source: RowSource): string {
  const columns = source.columns.filter((c) => c.group === undefined).map((c) => ({ name: c.name, type: c.type }));
  const m = source.meta;
  const meta = {
    org: m.org,
    kind: m.kind,
    timeRange: { from: new Date(m.timeRange.from).toISOString(), to: new Date(m.timeRange.to).toISOString() },
    timezone: m.timezone,
    generatedAt: new Date(m.generatedAt).toISOString(),
  };
  return `{"columns":${JSON.stringify(columns)},"meta":${JSON.stringify(meta)},"rows":[`;
}

export const writeJson: FormatWriter = async (source: RowSource, ctx: WriteContext) => {
  const encode = jsonRowEncoder(source);
  // The preamble goes out with the first rows, so that nothing is written before the statement ran.
  let preamble: string | null = jsonPreamble(source);
  let rows = 0;
  for await (const chunk of source.chunks(ctx.signal)) {
    let text = preamble ?? '';
    preamble = null;
    for (const row of chunk) text += (rows++ === 0 ? '\n' : ',\n') + encode(row);
    await put(ctx.out, text, ctx.signal);
    ctx.onRows?.(rows);
  }
  await put(ctx.out, `${preamble ?? ''}\n]}\n`, ctx.signal);
  await finish(ctx.out);
  return rows;
};
