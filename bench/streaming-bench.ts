/**
 * The streaming benchmark (bench/streaming.ts alone, or part of `npm run bench`):
 * the service against a raw baseline, the physical limit of this machine (a bare
 * ioredis subscriber forwarding the same JSON token frames to bare ws sockets),
 * side by side in one run. The service and the raw broadcaster each run in a
 * fresh process of their own per part; every client runs in one more process.
 */
import { integerSetting, parseSettings, positiveInteger, type BenchSetting } from './stats.js';
import type { GroupReport } from './stream-protocol.js';
import { runFlow, type FlowOptions, type FlowResult } from './streaming-flow.js';
import { runIdle, type IdleOptions } from './streaming-idle.js';
import { runOverload, type OverloadOptions } from './streaming-overload.js';
import { printIdle, printLatency, printLatencyPairs, printOverload, printThroughput } from './streaming-print.js';
import { spawnClients, type StreamingContext } from './streaming-processes.js';

export interface StreamingOptions {
  redisUrl: string;
  keyPrefix: string;
  /** Which parts run, from 1 to 4. */
  parts: ReadonlySet<number>;
  throughput: FlowOptions;
  latency: FlowOptions;
  /** Part 2 runs this many times over (service then raw, fresh processes each time), each pair judged on its own. */
  latencyPairs: number;
  overload: OverloadOptions;
  idle: IdleOptions;
  timeoutMs: number;
}

function oneSetting(name: string, fallback: string, environment: Record<string, string | undefined>): BenchSetting {
  const [setting, ...rest] = parseSettings(environment[name] ?? fallback);
  if (!setting || rest.length > 0) throw new Error(`${name}: one K x S pair, e.g. "${fallback}"`);
  return setting;
}

/** The streaming knobs from the environment; their defaults are in bench/streaming.ts's header. */
export function readStreamingOptions(
  redisUrl: string,
  keyPrefix: string,
  environment: Record<string, string | undefined> = process.env,
): StreamingOptions {
  const parts = new Set(
    (environment.BENCH_STREAM_PARTS ?? '1,2,3,4')
      .split(',')
      .map((part) => Number(part.trim()))
      .filter((part) => [1, 2, 3, 4].includes(part)),
  );
  const number = (name: string, fallback: number) => positiveInteger(name, fallback, environment);
  return {
    redisUrl,
    keyPrefix,
    parts,
    throughput: {
      name: 'throughput',
      setting: oneSetting('BENCH_STREAM_THROUGHPUT', '50x4', environment),
      rounds: number('BENCH_STREAM_ROUNDS', 3),
      tokenDelayMs: 0,
      withReference: false,
      warmUpRounds: 0,
      workerProcess: false,
    },
    latency: {
      name: 'latency',
      setting: oneSetting('BENCH_STREAM_LATENCY', '100x10', environment),
      rounds: number('BENCH_STREAM_LATENCY_ROUNDS', 2),
      tokenDelayMs: number('BENCH_STREAM_TOKEN_DELAY_MS', 30),
      withReference: true,
      warmUpRounds: integerSetting('BENCH_STREAM_WARM_UP_ROUNDS', 1, 0, environment),
      workerProcess: environment.BENCH_STREAM_WORKER_PROCESS === '1',
    },
    latencyPairs: number('BENCH_STREAM_LATENCY_PAIRS', 3),
    overload: {
      slowMs: number('BENCH_SLOW_MS', 60_000),
      watchers: number('BENCH_SLOW_WATCHERS', 4),
      discussions: number('BENCH_SLOW_DISCUSSIONS', 5),
    },
    idle: { subscriptions: number('BENCH_IDLE', 2_000), discussions: number('BENCH_IDLE_DISCUSSIONS', 100) },
    timeoutMs: number('BENCH_STREAM_TIMEOUT_MS', 300_000),
  };
}

/** What went wrong in a group's delivery, in words. */
function reportProblems(label: string, report: GroupReport): string[] {
  const problems = report.problems.map((problem) => `${label}: ${problem}`);
  if (report.mismatches > 0)
    problems.push(`${label}: ${report.mismatches} (subscriber, message) pair(s) whose text differs from the expected`);
  if (report.duplicates > 0) problems.push(`${label}: ${report.duplicates} duplicate (message, index) receipt(s)`);
  if (report.deliveredFraction < 1) problems.push(`${label}: only ${(report.deliveredFraction * 100).toFixed(3)}% of the text delivered`);
  return problems;
}

/** Runs the parts asked for and prints each; resolves with every correctness problem seen (empty: none). */
export async function runStreamingBench(options: StreamingOptions): Promise<string[]> {
  const clients = spawnClients();
  const context: StreamingContext = { redisUrl: options.redisUrl, keyPrefix: options.keyPrefix, clients, timeoutMs: options.timeoutMs };
  const problems: string[] = [];
  const part = async (number: number, run: () => Promise<string[]>) => {
    if (!options.parts.has(number)) return;
    try {
      problems.push(...(await run()));
    } catch (error) {
      problems.push(`part ${number} aborted: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`Part ${number} aborted:`, error instanceof Error ? error.message : error);
    }
  };
  try {
    await part(1, async () => {
      const result = await runFlow(context, options.throughput);
      printThroughput(result, options.throughput);
      return [...reportProblems('part 1 service', result.service.report), ...reportProblems('part 1 raw', result.raw.report)];
    });
    await part(2, async () => {
      const results: FlowResult[] = [];
      const problems: string[] = [];
      for (let index = 1; index <= options.latencyPairs; index += 1) {
        const result = await runFlow(context, options.latency);
        printLatency(result, options.latency, { index, of: options.latencyPairs });
        results.push(result);
        problems.push(...reportProblems('part 2 service', result.service.report), ...reportProblems('part 2 raw', result.raw.report));
      }
      printLatencyPairs(results);
      return problems;
    });
    await part(3, async () => {
      const result = await runOverload(context, options.overload);
      printOverload(result, options.overload);
      return [
        ...reportProblems('part 3 service watchers', result.service.watchers),
        ...reportProblems('part 3 raw watchers', result.raw.watchers),
      ];
    });
    await part(4, async () => {
      printIdle(await runIdle(context, options.idle));
      return [];
    });
  } finally {
    await clients.exit();
  }
  return problems;
}
