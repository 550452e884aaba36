/** What the numbers were measured on: printed with every result section. */
import os from 'node:os';
import { version as duckdbVersion } from '@duckdb/node-api';

export interface MachineInfo {
  date: string;
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  duckdb: string;
  /** 1-minute load average when the benchmark started; other work skews every number. */
  load1: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    duckdb: `${duckdbVersion()} (@duckdb/node-api)`,
    load1: os.loadavg()[0] ?? 0,
  };
}

export function machineMarkdown(info: MachineInfo = machineInfo()): string {
  return [
    `- Run: ${info.date}`,
    `- Machine: ${info.cpu}, ${info.cores} logical CPUs, ${info.memoryGiB} GiB RAM, ${info.os}`,
    `- Node ${info.node}, DuckDB ${info.duckdb}`,
    `- Load average (1 min) at start: ${info.load1.toFixed(2)}${busy(info) ? ' — **the machine was busy; treat the numbers with care**' : ''}`,
  ].join('\n');
}

/** More than a quarter of a core's worth of other work running at the start. */
export function busy(info: MachineInfo): boolean {
  return info.load1 > 0.25 * info.cores + 0.25;
}

export function warnIfBusy(info: MachineInfo): void {
  if (busy(info)) console.log(`[bench] warning: load average ${info.load1.toFixed(2)} on ${info.cores} CPUs — other work will skew the results`);
}
