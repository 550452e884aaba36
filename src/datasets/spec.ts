/** The contract between the generator loop and one dataset (learning, support, commerce). */
import type { PropValue } from '../domain/event.js';
import type { ActorPool } from './actors.js';
import type { Rng } from './random.js';
import type { TimeProfile } from './time-profile.js';

export interface EmitContext {
  rng: Rng;
  actors: ActorPool;
  /** Exclusive end of the range; follow-up events at or after it are dropped (not happened yet). */
  end: number;
  emit(event: string, timestamp: number, actor: string | null, props: Record<string, PropValue>): void;
}

/** Emits one episode (a study session, a ticket's life, a shopping visit) that starts at `t`. */
export type Episode = (t: number, actorRank: number) => void;

export interface DatasetSpec {
  description: string;
  profile: TimeProfile;
  /** Pool size = events / eventsPerActor (about 20k actors per 1M events at 50). */
  eventsPerActor: number;
  actorZipf: number;
  /** The first event of every episode must be at `t` exactly so each episode emits at least one. */
  create(ctx: EmitContext, totalEvents: number): Episode;
}
