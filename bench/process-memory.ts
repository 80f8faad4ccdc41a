/** Memory of this process and of others, for the streaming benchmark. */
import { readFile } from 'node:fs/promises';
import type { MemoryFigures } from './stream-protocol.js';

/** This process' RSS, heap and external memory; with `gc`, after full collections (needs --expose-gc). */
export function readMemory(gc: boolean): MemoryFigures {
  if (gc && globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

/** Another process' resident set size in bytes, from /proc (Linux); undefined where that cannot be read. */
export async function readProcessRss(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kibibytes = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kibibytes === undefined ? undefined : Number(kibibytes) * 1024;
  } catch {
    return undefined;
  }
}

export interface RssSeries {
  start: number;
  peak: number;
  end: number;
  /** One sample per interval, in bytes. */
  samples: number[];
}

export interface RssRecorder {
  stop(): Promise<RssSeries>;
}

/**
 * Samples a process' RSS every `intervalMs` from outside it, so a busy event
 * loop in that process cannot delay or skew the samples. `fallback` reads it
 * another way (over IPC) where /proc is missing.
 */
export async function recordRss(pid: number, fallback: () => Promise<number>, intervalMs = 1_000): Promise<RssRecorder> {
  const read = async () => (await readProcessRss(pid)) ?? (await fallback());
  const samples = [await read()];
  let sampling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      samples.push(await read().catch(() => Number.NaN));
    });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      samples.push(await read());
      const valid = samples.filter((sample) => Number.isFinite(sample));
      return { start: valid[0] ?? Number.NaN, peak: Math.max(...valid), end: valid.at(-1) ?? Number.NaN, samples };
    },
  };
}

/** Another process' CPU time (user + system) in ms so far, from /proc/<pid>/stat (Linux, 100 ticks a second); undefined where that cannot be read. */
export async function readProcessCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: the fields after it are counted from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
