/** Small measuring helpers for the benchmark: percentiles, an RSS sampler, timeouts, settings. */

export interface BenchSetting {
  /** Discussions run side by side. */
  discussions: number;
  /** tokenStreamed subscribers per discussion. */
  subscribers: number;
}

export const DEFAULT_SETTINGS = '1x1,10x1,10x10,50x4';

/** Parses `BENCH_SETTINGS`, e.g. "1x1,10x10" (discussions x subscribers). */
export function parseSettings(text: string): BenchSetting[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const match = /^(\d+)\s*x\s*(\d+)$/i.exec(item);
      const discussions = Number(match?.[1]);
      const subscribers = Number(match?.[2]);
      if (!match || discussions < 1 || subscribers < 1) {
        throw new Error(`BENCH_SETTINGS: "${item}" is not K x S with K, S >= 1 (e.g. "10x4")`);
      }
      return { discussions, subscribers };
    });
}

/** Reads a positive integer from the environment, or the fallback. */
export function positiveInteger(name: string, fallback: number, environment: Record<string, string | undefined> = process.env): number {
  return integerSetting(name, fallback, 1, environment);
}

/** An integer setting of at least `minimum` from the environment, or `fallback` when unset. */
export function integerSetting(
  name: string,
  fallback: number,
  minimum: number,
  environment: Record<string, string | undefined> = process.env,
): number {
  const raw = environment[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name}: "${raw}" is not ${minimum === 1 ? 'a positive integer' : `an integer of at least ${minimum}`}`);
  }
  return value;
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles; NaN when there are no samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  const rank = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export interface RssSampler {
  /** Stops sampling and returns the highest RSS seen, in bytes. */
  stop(): number;
}

/** Samples `process.memoryUsage().rss` every `intervalMs` and keeps the peak. */
export function sampleRss(intervalMs = 50): RssSampler {
  let peak = process.memoryUsage().rss;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export class TimeoutError extends Error {
  constructor(label: string, milliseconds: number) {
    super(`${label}: not done after ${milliseconds} ms`);
    this.name = 'TimeoutError';
  }
}

/** Settles like `promise`, or rejects with a TimeoutError; the timer never outlives the race. */
export async function withTimeout<T>(promise: Promise<T>, milliseconds: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(label, milliseconds)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Escapes Redis glob characters so a key prefix matches only itself. */
export const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/** One token of one message, as a map key. */
export const tokenKey = (messageId: string, index: number): string => `${messageId}#${index}`;

/** The benches drive hundreds of discussions as one owner: the per-owner limits are not what they measure. */
export const UNLIMITED_OWNER = { RATE_LIMIT_PER_MINUTE: '1000000', MAX_RUNNING_PER_OWNER: '1000000' } as const;
