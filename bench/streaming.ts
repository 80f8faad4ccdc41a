/**
 * `npx tsx bench/streaming.ts`: the streaming benchmark alone (it is also part of
 * `npm run bench`). Each part prints the service's figure, a raw baseline's and
 * their ratio, with the 1-minute load average around each side. The raw baseline
 * is this machine's physical limit: a bare ioredis subscriber forwarding the same
 * JSON token frames to bare ws sockets, no GraphQL, no protection. The service
 * (src/app.ts, Redis mode, a random key prefix) and the raw broadcaster each run
 * in a fresh process of their own per part, and every client in another one, so
 * the client cost does not land on the server measured.
 *
 * 1. Throughput: K discussions x S tokenStreamed subscribers, MOCK at 0 ms per
 *    token; text tokens (words), characters and events delivered per second.
 * 2. Latency under load: K running discussions x S subscribers at one token per
 *    BENCH_STREAM_TOKEN_DELAY_MS, after a warm-up; p50/p99 added latency per raw frame (receipt
 *    of its text - its arrival at a plain Redis subscriber in the clients'
 *    process), and the fraction of the text delivered.
 * 3. Overload memory: a subscriber that reads nothing on BENCH_SLOW_DISCUSSIONS
 *    busy discussions for BENCH_SLOW_MS, BENCH_SLOW_WATCHERS normal ones beside
 *    it; the server's RSS every second and how the slow socket ended.
 * 4. Idle subscriptions: memory per idle subscription.
 *
 * Environment: REDIS_URL (redis://127.0.0.1:6379), BENCH_STREAM_PARTS ("1,2,3,4"),
 * BENCH_STREAM_THROUGHPUT ("50x4", K x S), BENCH_STREAM_ROUNDS (3),
 * BENCH_STREAM_LATENCY ("100x10"), BENCH_STREAM_LATENCY_ROUNDS (2), BENCH_STREAM_LATENCY_PAIRS (3: part 2 runs this
 * many times over, service then raw in fresh processes, each pair judged alone), BENCH_STREAM_WARM_UP_ROUNDS (1: part 2
 * first runs this many rounds of the same load on each side, unmeasured, in the process then measured, so a
 * JIT-cold process is not what is timed; 0 measures a cold one), BENCH_STREAM_WORKER_PROCESS (unset; 1: part 2's
 * turns run in a ROLE=worker process of their own beside the ROLE=api one measured),
 * BENCH_STREAM_TOKEN_DELAY_MS (30), BENCH_SLOW_MS (60000), BENCH_SLOW_WATCHERS (4), BENCH_SLOW_DISCUSSIONS (5),
 * BENCH_IDLE (2000 subscriptions), BENCH_IDLE_DISCUSSIONS (100, at most 100: the multiplexed run puts one on each socket per discussion),
 * BENCH_STREAM_TIMEOUT_MS (300000, per wait), BENCH_PROFILE_DIR (unset; a directory for the
 * service's and the raw broadcaster's CPU profiles, --cpu-prof), BENCH_NODE_ARGS (unset; more node flags for both,
 * e.g. "--trace-gc-nvp"). A quick run:
 * BENCH_STREAM_THROUGHPUT=10x2 BENCH_STREAM_LATENCY=10x2 BENCH_STREAM_LATENCY_PAIRS=1 BENCH_SLOW_MS=5000 BENCH_IDLE=200
 */
import { randomUUID } from 'node:crypto';
import { deleteKeys } from './redis-keys.js';
import { readStreamingOptions, runStreamingBench } from './streaming-bench.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function main(): Promise<number> {
  const keyPrefix = `bench:${randomUUID()}:`;
  const options = readStreamingOptions(redisUrl, keyPrefix);
  console.log(`Streaming benchmark on ${redisUrl}, key prefix ${keyPrefix}`);
  const problems = await runStreamingBench(options).finally(async () => {
    const deleted = await deleteKeys(redisUrl, keyPrefix);
    console.log(`\nCleaned up ${deleted} Redis keys under ${keyPrefix}`);
  });
  for (const problem of problems.slice(0, 10)) console.log(`  ! ${problem}`);
  console.log(`Streaming correctness: ${problems.length} problem(s).`);
  return problems.length > 0 ? 1 : 0;
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
