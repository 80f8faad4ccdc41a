/**
 * `npm run bench`: K discussions of 3 MOCK agents, each watched by S tokenStreamed
 * subscribers and one messageAdded subscriber over graphql-ws, all against an app
 * built in this process on Redis. Prints throughput, token latency, peak RSS and
 * a correctness check (every subscriber's deltas concatenate to the committed content).
 * Then the streaming part (bench/streaming-bench.ts, also runnable alone as
 * bench/streaming.ts): the service against a raw ioredis-to-ws baseline, side by
 * side with ratios, the server and the clients in separate processes (throughput,
 * latency under load, a slow consumer's memory, idle subscriptions' memory).
 * Then the scale-out part (bench/workers.ts): turns/s with one and two spawned
 * worker processes behind an in-process API, and the recovery time after a
 * worker's SIGKILL. Then the tracing part (bench/tracing.ts): the same scenario
 * with OpenTelemetry off and on, alternated, and the ratio of their turns/s.
 *
 * Environment: REDIS_URL (redis://127.0.0.1:6379), BENCH_SETTINGS ("1x1,10x1,10x10,50x4",
 * K x S pairs), BENCH_ROUNDS (4), BENCH_TIMEOUT_MS (45000, per setting and phase),
 * BENCH_WORKERS (1; 0 skips the scale-out part), BENCH_WORKER_SETTING ("100x1"),
 * BENCH_KILLS (3), BENCH_RECOVERY_TOKEN_DELAY_MS (20), TURN_LOCK_MS (the service's default),
 * BENCH_STREAMING (1; 0 skips the streaming part) and the streaming part's own knobs (see bench/streaming.ts),
 * BENCH_TRACING (1; 0 skips the tracing part), BENCH_TRACING_SETTING ("50x1"), BENCH_TRACING_REPEATS (3).
 */
import { randomUUID } from 'node:crypto';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { deleteKeys } from './redis-keys.js';
import { createRedisReference, type RedisReference } from './redis-reference.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { DEFAULT_SETTINGS, parseSettings, positiveInteger, UNLIMITED_OWNER } from './stats.js';
import { readStreamingOptions, runStreamingBench } from './streaming-bench.js';
import { printTracingBench, runTracingBench } from './tracing.js';
import { printWorkerBench, runWorkerBench, type WorkerBenchOptions } from './workers.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const round = (value: number, digits = 1): number => (Number.isFinite(value) ? Number(value.toFixed(digits)) : Number.NaN);
const perSecond = (count: number, milliseconds: number): number => round((count * 1000) / milliseconds, 0);

function toRow(result: ScenarioResult) {
  return {
    K: result.discussions,
    S: result.subscribers,
    turns: result.turns,
    'turns/s': perSecond(result.turns, result.wallMs),
    'tokens published': result.tokensPublished,
    'tokens delivered': result.tokensDelivered,
    'token events/s': perSecond(result.tokensDelivered, result.wallMs),
    'p50 ms': round(result.latencyFromRedis.p50, 2),
    'p99 ms': round(result.latencyFromRedis.p99, 2),
    'peak RSS MB': round(result.peakRssBytes / 2 ** 20, 0),
    'wall s': round(result.wallMs / 1000, 2),
    mismatches: result.mismatches,
    lost: result.lost,
    duplicates: result.duplicates,
  };
}

async function main(): Promise<number> {
  const settings = parseSettings(process.env.BENCH_SETTINGS ?? DEFAULT_SETTINGS);
  const maxRounds = positiveInteger('BENCH_ROUNDS', 4);
  const timeoutMs = positiveInteger('BENCH_TIMEOUT_MS', 45_000);
  const keyPrefix = `bench:${randomUUID()}:`;
  const config = loadConfig({
    REDIS_URL: redisUrl,
    MOCK_TOKEN_DELAY_MS: '0',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...UNLIMITED_OWNER,
  });

  let app: App | undefined;
  let reference: RedisReference | undefined;
  const results: ScenarioResult[] = [];
  let failed = false;
  try {
    app = await buildApp(config, { keyPrefix, logger: createLogger('silent') });
    if (app.mode !== 'redis') throw new Error(`the app runs in ${app.mode} mode; the benchmark needs Redis`);
    const { url } = await app.start();
    const wsUrl = url.replace(/^http/, 'ws');
    reference = await createRedisReference(redisUrl, keyPrefix);

    console.log(`Benchmark: ${url} on ${redisUrl}, key prefix ${keyPrefix}`);
    console.log(
      `Each discussion: 3 MOCK agents, ROUND_ROBIN, maxRounds ${maxRounds}, MOCK_TOKEN_DELAY_MS 0; app and clients share this process.`,
    );
    console.log('Latency "p50/p99 ms" = graphql-ws subscriber receipt - arrival of the same raw token event at a separate ioredis');
    console.log('  subscriber on the discussion channel (~ publish time + one Redis hop), both performance.now() in this process.');
    console.log('Rates are over the wall time from the first startDiscussion to the last subscription completing.');
    console.log(`RSS with the app up, before the first setting: ${round(process.memoryUsage().rss / 2 ** 20, 0)} MB.\n`);

    for (const setting of settings) {
      const result = await runScenario({ app, httpUrl: url, wsUrl, reference, maxRounds, timeoutMs }, setting);
      results.push(result);
      console.log(
        `K=${result.discussions} S=${result.subscribers}: ${result.turns} turns, ${result.tokensDelivered} token events in ${round(result.wallMs / 1000, 2)} s` +
          (result.problems.length > 0 ? `, ${result.problems.length} problem(s)` : ''),
      );
      for (const problem of result.problems.slice(0, 10)) console.log(`  ! ${problem}`);
    }
  } catch (error) {
    failed = true;
    console.error('Benchmark aborted:', error instanceof Error ? error.message : error);
  } finally {
    await reference?.close();
    await app?.stop();
    const deleted = await deleteKeys(redisUrl, keyPrefix);
    console.log(`Cleaned up ${deleted} Redis keys under ${keyPrefix}`);
  }

  if (results.length > 0) {
    console.log();
    console.table(results.map(toRow));
  }
  const total = (pick: (result: ScenarioResult) => number) => results.reduce((sum, result) => sum + pick(result), 0);
  const mismatches = total((result) => result.mismatches);
  const lost = total((result) => result.lost);
  const duplicates = total((result) => result.duplicates);
  const problems = total((result) => result.problems.length);
  console.log(
    `Correctness: ${mismatches} mismatch(es) between a subscriber's concatenated deltas and the committed content; ` +
      `${lost} token(s) lost, ${duplicates} duplicate(s), ${problems} other problem(s).`,
  );
  const streamingFailed = process.env.BENCH_STREAMING === '0' ? false : await benchStreaming(`${keyPrefix}stream:`);
  const workersFailed = process.env.BENCH_WORKERS === '0' ? false : await benchWorkers(`${keyPrefix}workers:`, maxRounds, timeoutMs);
  const tracingFailed = process.env.BENCH_TRACING === '0' ? false : await benchTracing(`${keyPrefix}tracing:`, maxRounds, timeoutMs);
  return failed || streamingFailed || workersFailed || tracingFailed || mismatches + lost + duplicates + problems > 0 ? 1 : 0;
}

/** The streaming part, service against the raw baseline; true when it failed. */
async function benchStreaming(keyPrefix: string): Promise<boolean> {
  console.log(
    `\nStreaming: the service and a raw ioredis-to-ws baseline, each in its own process, clients in another; key prefix ${keyPrefix}`,
  );
  try {
    const problems = await runStreamingBench(readStreamingOptions(redisUrl, keyPrefix));
    for (const problem of problems.slice(0, 10)) console.log(`  ! ${problem}`);
    console.log(`Streaming correctness: ${problems.length} problem(s).`);
    return problems.length > 0;
  } catch (error) {
    console.error('Streaming benchmark aborted:', error instanceof Error ? error.message : error);
    return true;
  } finally {
    const deleted = await deleteKeys(redisUrl, keyPrefix);
    console.log(`Cleaned up ${deleted} Redis keys under ${keyPrefix}`);
  }
}

/** The scale-out part; true when it failed. */
async function benchWorkers(keyPrefix: string, maxRounds: number, timeoutMs: number): Promise<boolean> {
  const [setting] = parseSettings(process.env.BENCH_WORKER_SETTING ?? '100x1');
  if (!setting) throw new Error('BENCH_WORKER_SETTING: one K x S pair, e.g. "100x1"');
  const options: WorkerBenchOptions = {
    redisUrl,
    keyPrefix,
    setting,
    maxRounds,
    timeoutMs,
    kills: positiveInteger('BENCH_KILLS', 3),
    // The lock the service would run with: TURN_LOCK_MS if set, else its default.
    turnLockMs: loadConfig({ TURN_LOCK_MS: process.env.TURN_LOCK_MS }).worker.lockDurationMs,
    recoveryTokenDelayMs: positiveInteger('BENCH_RECOVERY_TOKEN_DELAY_MS', 20),
  };
  console.log(`\nScale-out: an API (ROLE=api) in this process, turns on spawned ROLE=worker processes; key prefix ${keyPrefix}`);
  try {
    const result = await runWorkerBench(options);
    printWorkerBench(result, options);
    for (const problem of result.problems.slice(0, 10)) console.log(`  ! ${problem}`);
    console.log(`Scale-out correctness: ${result.problems.length} problem(s).`);
    return result.problems.length > 0;
  } catch (error) {
    console.error('Scale-out benchmark aborted:', error instanceof Error ? error.message : error);
    return true;
  } finally {
    const deleted = await deleteKeys(redisUrl, keyPrefix);
    console.log(`Cleaned up ${deleted} Redis keys under ${keyPrefix}`);
  }
}

/** The tracing part; true when it failed. */
async function benchTracing(keyPrefix: string, maxRounds: number, timeoutMs: number): Promise<boolean> {
  const [setting] = parseSettings(process.env.BENCH_TRACING_SETTING ?? '50x1');
  if (!setting) throw new Error('BENCH_TRACING_SETTING: one K x S pair, e.g. "50x1"');
  console.log(
    `\nTracing: K=${setting.discussions} S=${setting.subscribers}, OpenTelemetry off and on (OTLP/HTTP to a local receiver); key prefix ${keyPrefix}`,
  );
  try {
    const runs = await runTracingBench({
      redisUrl,
      keyPrefix,
      setting,
      maxRounds,
      timeoutMs,
      repeats: positiveInteger('BENCH_TRACING_REPEATS', 3),
    });
    printTracingBench(runs);
    const problems = runs.flatMap((run) => run.result.problems);
    const unexported = runs.filter((run) => run.traced && run.spans < run.result.turns);
    for (const problem of problems.slice(0, 10)) console.log(`  ! ${problem}`);
    if (unexported.length > 0) console.log(`  ! ${unexported.length} traced run(s) exported fewer spans than turns`);
    console.log(`Tracing correctness: ${problems.length + unexported.length} problem(s).`);
    return problems.length + unexported.length > 0;
  } catch (error) {
    console.error('Tracing benchmark aborted:', error instanceof Error ? error.message : error);
    return true;
  } finally {
    const deleted = await deleteKeys(redisUrl, keyPrefix);
    console.log(`Cleaned up ${deleted} Redis keys under ${keyPrefix}`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
