import { describe, expect, it } from 'vitest';
import { parseClientMessage, ProtocolError } from '../../../src/live/ws-protocol.js';

function problem(text: string): { id: string | undefined; code: string; paths: string[] } {
  try {
    parseClientMessage(text);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { id: err.id, code: err.error.code, paths: (err.error.errors ?? []).map((e) => e.path) };
  }
  throw new Error('expected a ProtocolError');
}

describe('parseClientMessage', () => {
  it('reads the four message types with defaults', () => {
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ type: 'ping' });
    expect(parseClientMessage('{"type":"unsubscribe","id":"s1"}')).toEqual({ type: 'unsubscribe', id: 's1' });
    expect(parseClientMessage('{"type":"subscribe","id":"s1","query":{"metrics":["count"]}}')).toEqual({
      type: 'subscribe', id: 's1', query: { metrics: ['count'] }, intervalMs: 1000,
    });
    expect(parseClientMessage('{"type":"subscribe","id":"s","query":{"metrics":["count"]},"interval":2.5}')).toMatchObject({ intervalMs: 2500 });
    expect(parseClientMessage('{"type":"events","id":"e","filter":{"events":["payment.*"]}}')).toEqual({ type: 'events', id: 'e', patterns: ['payment.*'] });
    expect(parseClientMessage('{"type":"events","id":"e"}')).toEqual({ type: 'events', id: 'e', patterns: undefined });
  });

  it('names what is wrong, with the subscription id when there is one', () => {
    expect(problem('nope')).toEqual({ id: undefined, code: 'VALIDATION', paths: ['/'] });
    expect(problem('[1]')).toMatchObject({ paths: ['/'] });
    expect(problem('{"type":"subscribe"}')).toMatchObject({ paths: ['/id'] });
    expect(problem('{"type":"subscribe","id":"s","query":{"metrics":[]}}')).toMatchObject({ id: 's', paths: ['/query/metrics'] });
    expect(problem('{"type":"subscribe","id":"s","query":{"metrics":["count"],"bogus":1}}')).toMatchObject({ id: 's', paths: expect.arrayContaining(['/query']) });
    expect(problem('{"type":"subscribe","id":"s","query":{"metrics":["count"]},"interval":0}')).toMatchObject({ id: 's', paths: ['/interval'] });
    expect(problem('{"type":"events","id":"e","filter":{"events":"x"}}')).toMatchObject({ id: 'e', paths: ['/filter/events'] });
    expect(problem('{"type":"dance","id":"d"}')).toMatchObject({ id: 'd', paths: ['/type'] });
  });
});
