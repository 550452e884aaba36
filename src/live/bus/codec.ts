/**
 * Wire format of bus messages on Redis: compact JSON (events as tuples, short keys), because
 * every instance receives every message. Decoding checks the shape: a malformed message from a
 * foreign publisher on the channel is rejected, never half-applied.
 */
import type { PropValue, StoredEvent } from '../../domain/event.js';
import type { FiredAlert } from '../alerts/alert-types.js';
import type { BusInput, BusMessage } from './bus-port.js';

type EventTuple = [string, number, string | null, string | null, Record<string, PropValue>];

interface AppendedWire {
  v: 1;
  k: 'a';
  o: string;
  n: string[];
  t: [number, number];
  c: number;
  e: EventTuple[];
  i: string;
}

interface AlertWire {
  v: 1;
  k: 'l';
  o: string;
  a: FiredAlert;
  i: string;
}

interface ErasedWire {
  v: 1;
  k: 'x';
  o: string;
  u: string;
  n: string[];
  t: [number, number];
  i: string;
}

interface ExpiredWire {
  v: 1;
  k: 'd';
  o: string;
  b: number;
  i: string;
}

interface RulesWire {
  v: 1;
  k: 'r';
  o: string;
  i: string;
}

export function encodeMessage(message: BusInput): string {
  if (message.kind === 'rules') {
    const wire: RulesWire = { v: 1, k: 'r', o: message.org, i: message.origin };
    return JSON.stringify(wire);
  }
  if (message.kind === 'erased') {
    const wire: ErasedWire = { v: 1, k: 'x', o: message.org, u: message.actor, n: message.eventNames, t: [message.minTime, message.maxTime], i: message.origin };
    return JSON.stringify(wire);
  }
  if (message.kind === 'expired') {
    const wire: ExpiredWire = { v: 1, k: 'd', o: message.org, b: message.before, i: message.origin };
    return JSON.stringify(wire);
  }
  if (message.kind === 'alert') {
    const wire: AlertWire = { v: 1, k: 'l', o: message.org, a: message.alert, i: message.origin };
    return JSON.stringify(wire);
  }
  const wire: AppendedWire = {
    v: 1,
    k: 'a',
    o: message.org,
    n: message.eventNames,
    t: [message.minTime, message.maxTime],
    c: message.count,
    e: message.events.map((e) => [e.event, e.timestamp, e.actor, e.id, e.props]),
    i: message.origin,
  };
  return JSON.stringify(wire);
}

function fail(what: string): never {
  throw new Error(`malformed bus message: ${what}`);
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function decodeEvent(t: unknown): StoredEvent {
  if (!Array.isArray(t) || t.length !== 5) fail('event tuple');
  const [event, timestamp, actor, id, props] = t as unknown[];
  if (!isString(event) || !isNumber(timestamp) || !(actor === null || isString(actor)) || !(id === null || isString(id)) || !isRecord(props)) {
    fail('event fields');
  }
  return { event, timestamp, actor, id, props: props as Record<string, PropValue> };
}

export function decodeMessage(firstSeq: number, text: string): BusMessage {
  const raw: unknown = JSON.parse(text);
  if (!isRecord(raw) || raw['v'] !== 1 || !isString(raw['o']) || !isString(raw['i'])) fail('envelope');
  const org = raw['o'];
  const origin = raw['i'];
  if (raw['k'] === 'r') return { kind: 'rules', org, origin, firstSeq };
  if (raw['k'] === 'd') {
    const before = raw['b'];
    if (!isNumber(before)) fail('expiry instant');
    return { kind: 'expired', org, origin, before, firstSeq };
  }
  if (raw['k'] === 'l') {
    const alert = raw['a'];
    if (!isRecord(alert) || !isString(alert['id']) || alert['org'] !== org) fail('alert');
    return { kind: 'alert', org, origin, alert: alert as unknown as FiredAlert, firstSeq };
  }
  if (raw['k'] !== 'a' && raw['k'] !== 'x') fail('kind');
  const names = raw['n'];
  const span = raw['t'];
  if (!Array.isArray(names) || !names.every(isString)) fail('event names');
  if (!Array.isArray(span) || span.length !== 2 || !isNumber(span[0]) || !isNumber(span[1])) fail('time span');
  if (raw['k'] === 'x') {
    const actor = raw['u'];
    if (!isString(actor)) fail('actor');
    return { kind: 'erased', org, origin, actor, eventNames: names, minTime: span[0], maxTime: span[1], firstSeq };
  }
  const count = raw['c'];
  const events = raw['e'];
  if (!isNumber(count) || !Array.isArray(events)) fail('events');
  return {
    kind: 'appended',
    org,
    origin,
    eventNames: names,
    minTime: span[0],
    maxTime: span[1],
    count,
    events: events.map(decodeEvent),
    firstSeq,
  };
}
