/**
 * The hit lane's replies of one event-loop turn, written together when the turn's I/O is done
 * (setImmediate: after every request read in this turn was answered in memory).
 *
 * Why: each reply is one write to its socket, and a write to a client that sleeps waiting for it
 * wakes that client. When the client shares the host — a reverse proxy or sidecar in front of
 * Tally, or a load generator — the wake-up is paid inside the server's write: profiled under
 * bench:cache, ≈ 10 µs of kernel time per lane reply went to waking the client, one reply at a
 * time, against ≈ 1 µs for replies that leave in bursts. Written back to back, the first write
 * wakes the client and the next ones find it running. The cost: a reply waits until the other
 * requests read in the same turn were answered (microseconds each; the lane answers from memory).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

interface Pending {
  res: ServerResponse;
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer | undefined;
}

export class ReplyBatch {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly flush = (): void => {
    this.scheduled = false;
    this.writeAll();
  };

  send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer | undefined): void {
    this.pending.push({ res, status, headers, body });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /**
   * Writes the waiting replies now: for a caller that knows the burst of replies it was waiting
   * for is complete (the hit lane, once the rate limiter has decided a turn's requests).
   */
  flushNow(): void {
    // The flush already scheduled stays so; it finds what arrives after this, or nothing.
    if (this.pending.length > 0) this.writeAll();
  }

  /** Replies waiting for the end of the turn (tests). */
  get size(): number {
    return this.pending.length;
  }

  private writeAll(): void {
    const batch = this.pending;
    this.pending = [];
    for (const { res, status, headers, body } of batch) {
      // A client gone meanwhile: nothing to write (Node would drop it anyway).
      if (res.destroyed) continue;
      try {
        res.writeHead(status, headers);
        res.end(body);
      } catch (err) {
        // One reply that cannot be written (its socket failed meanwhile) must not keep the others.
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
