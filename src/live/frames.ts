/**
 * Server → client WebSocket frames. Payloads that many clients share (a query result, an event)
 * are serialized once; a frame only wraps them with the client's subscription id, as bytes, so
 * ws does not re-encode a string per client.
 */
import type { Problem } from '../http/plugins/errors.js';

export type ServerFrame =
  | { type: 'subscribed'; id: string; kind: 'query' | 'events' }
  | { type: 'unsubscribed'; id: string }
  | { type: 'dropped'; id: string; count: number }
  | { type: 'pong' }
  | { type: 'error'; id?: string; error: Problem };

export function frame(message: ServerFrame): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** `{"type":"result","id":…,"data":<json>}` around already serialized result JSON. */
export function resultFrame(id: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{"type":"result","id":${JSON.stringify(id)},"data":`), data, Buffer.from('}')]);
}

/** `{"type":"event","id":…,"seq":n,"event":<json>}`. */
export function eventFrame(id: string, seq: number, eventJson: string): Buffer {
  return Buffer.from(`{"type":"event","id":${JSON.stringify(id)},"seq":${seq},"event":${eventJson}}`);
}

/** `{"type":"alert","seq":n,"alert":<json>}`: alerts go to every connection of the org. */
export function alertFrame(seq: number, alertJson: string): Buffer {
  return Buffer.from(`{"type":"alert","seq":${seq},"alert":${alertJson}}`);
}
