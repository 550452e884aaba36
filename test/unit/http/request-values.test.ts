import { describe, expect, it } from 'vitest';
import { checkRequestValues } from '../../../src/http/plugins/request-values.js';

function problem(request: { query?: unknown; params?: unknown; body?: unknown }, checksOwnBody = false) {
  try {
    checkRequestValues({ query: request.query ?? {}, params: request.params ?? {}, body: request.body }, checksOwnBody);
    return null;
  } catch (err) {
    return { code: (err as { code: string }).code, errors: (err as { errors: unknown }).errors };
  }
}

describe('request values', () => {
  it('passes ordinary values', () => {
    expect(problem({ query: { limit: 10, range: '30d', ids: ['a', 'b'] }, params: { actor: 'u_1' }, body: { filters: [{ field: 'x', value: 1.5 }], deep: [[[['ok']]]] } })).toBeNull();
  });

  it('refuses coerced non-finite numbers in the query string and path, naming them', () => {
    expect(problem({ query: { limit: Infinity } })).toEqual({ code: 'VALIDATION', errors: [{ path: '/querystring/limit', message: 'must be a finite number' }] });
    expect(problem({ query: { bins: [1, -Infinity] } })?.errors).toEqual([{ path: '/querystring/bins/1', message: 'must be a finite number' }]);
    expect(problem({ params: { id: NaN } })?.errors).toEqual([{ path: '/params/id', message: 'must be a finite number' }]);
  });

  it('refuses NUL characters in text and in names anywhere, with the JSON pointer to them', () => {
    const nul = 'must not contain the NUL character (U+0000)';
    expect(problem({ params: { actor: 'u\u0000' } })?.errors).toEqual([{ path: '/params/actor', message: nul }]);
    expect(problem({ query: { event: 'a\u0000' } })?.errors).toEqual([{ path: '/querystring/event', message: nul }]);
    expect(problem({ body: { steps: ['a', { event: 'b', filters: [{ value: ['x', '\u0000'] }] }] } })?.errors).toEqual([{ path: '/steps/1/filters/0/value/1', message: nul }]);
    expect(problem({ body: { 'a/b~\u0000': 1 } })?.errors).toEqual([{ path: '/a~1b~0\u0000', message: `its name ${nul}` }]);
    expect(problem({ body: '\u0000' })?.errors).toEqual([{ path: '/', message: nul }]);
  });

  it('leaves the body to a route that checks its own, and walks deep bodies without recursion', () => {
    expect(problem({ body: ['\u0000'] }, true)).toBeNull();
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(problem({ body: deep })?.errors).toEqual([{ path: '/0'.repeat(100_000), message: 'must not contain the NUL character (U+0000)' }]);
  });
});
