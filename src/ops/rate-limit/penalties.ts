/**
 * Escalating penalties: a subject that keeps getting 429s earns a block (every request refused
 * at once, without touching the windows), and each further block within the penalty window
 * doubles, up to a ceiling. Blocks and strikes expire on their own.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { PenaltyConfig } from '../../config/ops.js';
import type { CounterFactory } from './counters.js';

export class Penalties {
  private readonly strikes: RateLimiterAbstract;
  private readonly levels: RateLimiterAbstract;
  private readonly blocks: RateLimiterAbstract;

  constructor(
    counters: CounterFactory,
    private readonly config: PenaltyConfig,
    prefix: string,
  ) {
    this.strikes = counters({ keyPrefix: `${prefix}:strike`, durationSeconds: config.windowSeconds });
    // The escalation level is remembered for one penalty window from the first block.
    this.levels = counters({ keyPrefix: `${prefix}:level`, durationSeconds: config.windowSeconds });
    this.blocks = counters({ keyPrefix: `${prefix}:block`, durationSeconds: config.maxBlockSeconds });
  }

  get enabled(): boolean {
    return this.config.strikes > 0;
  }

  /** Milliseconds the subject stays blocked; 0 when it is not. */
  async blockedMs(key: string): Promise<number> {
    if (!this.enabled) return 0;
    const block = await this.blocks.get(key);
    return block === null ? 0 : Math.max(0, block.msBeforeNext);
  }

  /** Records one rejection; returns the length of the block it triggered, or 0. */
  async strike(key: string): Promise<number> {
    if (!this.enabled) return 0;
    const strikes = await this.strikes.consume(key);
    // Exactly at the threshold, so concurrent rejections past it do not escalate twice.
    if (strikes.consumedPoints !== this.config.strikes) return 0;
    await this.strikes.delete(key);
    const level = (await this.levels.consume(key)).consumedPoints;
    const seconds = Math.min(this.config.maxBlockSeconds, this.config.blockSeconds * 2 ** Math.max(0, level - 1));
    await this.blocks.consume(key, 1, { customDuration: seconds });
    return seconds * 1000;
  }
}
