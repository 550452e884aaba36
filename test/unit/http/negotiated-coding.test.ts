import { describe, expect, it } from 'vitest';
import { negotiatedCoding } from '../../../src/http/plugins/compression.js';

/** Accept-Encoding values and the coding RFC 9110 q-value rules give among br and gzip (null: identity). */
const CASES: Array<[string, 'br' | 'gzip' | null]> = [
  ['br, gzip, deflate', 'br'],
  ['gzip, deflate', 'gzip'],
  ['gzip;q=0.5, br;q=0.8', 'br'],
  ['br;q=0.2, gzip', 'gzip'],
  ['br;q=0, gzip;q=0', null],
  ['deflate', null],
  ['identity', null],
  ['x-gzip', 'gzip'],
  ['GZIP', 'gzip'],
];

describe('negotiatedCoding', () => {
  it('picks the coding of each Accept-Encoding, the first time and from memory', () => {
    for (let round = 0; round < 2; round++) {
      for (const [header, coding] of CASES) expect([header, negotiatedCoding({ 'accept-encoding': header })]).toEqual([header, coding]);
    }
  });

  it('X-No-Compression wins over a remembered coding; no header means identity', () => {
    expect(negotiatedCoding({ 'accept-encoding': 'br' })).toBe('br');
    expect(negotiatedCoding({ 'accept-encoding': 'br', 'x-no-compression': '1' })).toBeNull();
    expect(negotiatedCoding({})).toBeNull();
  });

  it('stays right past the bound of remembered values', () => {
    for (let i = 0; i < 1_000; i++) {
      const header = i % 2 === 0 ? `gzip;q=0.${(i % 9) + 1}, unknown-${i}` : `br, unknown-${i}`;
      expect(negotiatedCoding({ 'accept-encoding': header })).toBe(i % 2 === 0 ? 'gzip' : 'br');
    }
    expect(negotiatedCoding({ 'accept-encoding': 'br;q=0.2, gzip' })).toBe('gzip');
  });
});
