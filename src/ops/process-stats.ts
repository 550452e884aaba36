/**
 * Process health for /system: CPU share, memory and event-loop lag, sampled every few seconds
 * so that any number of dashboards polling /system see the same, stable numbers.
 */
import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProcessSample {
  /** Share of one core used by this process since the previous sample (1 = one full core). */
  cpu: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  eventLoopLagMs: { mean: number; p50: number; p99: number; max: number };
  uptimeSeconds: number;
  sampledAt: string;
}

const ns = (n: number): number => Math.round((n / 1e6) * 100) / 100;

export class ProcessSampler {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | null = null;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private latest: ProcessSample | null = null;

  constructor(private readonly intervalMs = 5_000) {}

  start(): void {
    if (this.timer) return;
    this.delay.enable();
    this.timer = setInterval(() => {
      this.latest = this.measure(true);
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.delay.disable();
  }

  /** The last periodic sample, or one taken now before the first period has passed. */
  sample(): ProcessSample {
    return this.latest ?? this.measure(false);
  }

  private measure(reset: boolean): ProcessSample {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const elapsedMicros = Math.max(1, (now - this.lastAt) * 1000);
    const used = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const mem = process.memoryUsage();
    const hasLag = this.delay.count > 0;
    const sample: ProcessSample = {
      cpu: Math.round((used / elapsedMicros) * 1000) / 1000,
      cpuUserSeconds: Math.round(cpu.user / 1e4) / 100,
      cpuSystemSeconds: Math.round(cpu.system / 1e4) / 100,
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, externalBytes: mem.external },
      // The histogram measures timer lateness beyond its resolution; Node reports nanoseconds.
      eventLoopLagMs: hasLag
        ? { mean: ns(this.delay.mean), p50: ns(this.delay.percentile(50)), p99: ns(this.delay.percentile(99)), max: ns(this.delay.max) }
        : { mean: 0, p50: 0, p99: 0, max: 0 },
      uptimeSeconds: Math.round(process.uptime()),
      sampledAt: new Date().toISOString(),
    };
    if (reset) {
      this.lastCpu = cpu;
      this.lastAt = now;
      this.delay.reset();
    }
    return sample;
  }
}
