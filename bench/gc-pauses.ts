/**
 * The garbage collector's pauses in this process, as `perf_hooks` reports them: young-generation
 * collections (scavenges, which stop the main thread while they copy what survives) and the
 * rest (mark-compact and its incremental steps). The streaming benchmark's server and raw
 * broadcaster record them, so a part can show each side's pauses beside its latency. Beside them,
 * how late the event loop ran (`monitorEventLoopDelay`): every stall of the main thread, GC or
 * not, that a frame waiting to be forwarded sits through.
 */
import { type IntervalHistogram, PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import { percentiles } from './stats.js';

export interface GcPauses {
  /** Scavenges: how many, and their pause percentiles and total, in ms (0 without any). */
  minor: { count: number; p50: number; p99: number; max: number; totalMs: number };
  /** Every other kind (mark-compact, incremental marking, weak callbacks): total pause in ms. */
  otherMs: number;
  /** How late the event loop ran, sampled every ms: percentiles in ms. */
  loopDelay: { p50: number; p99: number; max: number };
}

const NS_PER_MS = 1e6;

let minor: number[] = [];
let otherMs = 0;
let observer: PerformanceObserver | undefined;
let loopDelay: IntervalHistogram | undefined;

/** Starts recording (once per process). */
export function watchGcPauses(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind: unknown = Reflect.get(Object(Reflect.get(entry, 'detail')), 'kind');
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(entry.duration);
      else otherMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
}

/** The pauses since the last call (or since recording started), and a fresh start. */
export function takeGcPauses(): GcPauses {
  // No scavenge is no pause: 0, not NaN (which JSON, and so the IPC, cannot carry).
  const { count, p50, p99, max } = minor.length > 0 ? percentiles(minor) : { count: 0, p50: 0, p99: 0, max: 0 };
  const delay = loopDelay && loopDelay.count > 0 ? loopDelay : undefined;
  const taken = {
    minor: { count, p50, p99, max, totalMs: minor.reduce((sum, pause) => sum + pause, 0) },
    otherMs,
    loopDelay: {
      p50: (delay?.percentile(50) ?? 0) / NS_PER_MS,
      p99: (delay?.percentile(99) ?? 0) / NS_PER_MS,
      max: (delay?.max ?? 0) / NS_PER_MS,
    },
  };
  minor = [];
  otherMs = 0;
  loopDelay?.reset();
  return taken;
}
