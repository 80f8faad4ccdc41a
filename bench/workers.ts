/**
 * The scale-out part of `npm run bench`: an API in this process (ROLE=api) and
 * turns run by spawned worker processes (ROLE=worker) on the same Redis.
 *
 * 1. Throughput: the same K x S scenario with one worker process, then two.
 * 2. Recovery: a worker is SIGKILLed while it streams a turn; the time until
 *    another worker takes the turn over (its TurnRestartedEvent) and until that
 *    turn is committed, median over a few kills, next to TURN_LOCK_MS.
 */
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createMockDiscussion, graphqlRequest, startDiscussion } from './graphql-http.js';
import { createRedisReference, type RedisReference } from './redis-reference.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { percentiles, type BenchSetting, withTimeout, UNLIMITED_OWNER } from './stats.js';
import { spawnWorker, WaitableList, type WorkerLogLine, type WorkerProcess } from './worker-processes.js';

export interface WorkerBenchOptions {
  redisUrl: string;
  /** Keys of this part; the caller deletes them afterwards. */
  keyPrefix: string;
  setting: BenchSetting;
  maxRounds: number;
  timeoutMs: number;
  kills: number;
  /** TURN_LOCK_MS the workers run with. */
  turnLockMs: number;
  /** MOCK_TOKEN_DELAY_MS of the recovery part, so a turn is long enough to be killed mid-stream. */
  recoveryTokenDelayMs: number;
}

export interface ThroughputRow {
  workers: number;
  result: ScenarioResult;
}

export interface RecoverySample {
  turn: number;
  /** SIGKILL to the TurnRestartedEvent of the worker that took the turn over. */
  takeoverMs: number;
  /** SIGKILL to the commit of that turn. */
  commitMs: number;
}

export interface WorkerBenchResult {
  throughput: ThroughputRow[];
  recovery: RecoverySample[];
  problems: string[];
}

type EventView =
  | { __typename: 'MessageEvent'; message: { id: string; role: string; turn: number } }
  | { __typename: 'TokenEvent'; messageId: string; index: number }
  | { __typename: 'TurnRestartedEvent'; turn: number; discardedMessageId: string }
  | { __typename: 'StatusEvent'; status: string };

const EVENTS = /* GraphQL */ `
  subscription Events($id: ID!) {
    discussionEvents(discussionId: $id) {
      __typename
      ... on MessageEvent {
        message {
          id
          role
          turn
        }
      }
      ... on TokenEvent {
        messageId
        index
      }
      ... on TurnRestartedEvent {
        turn
        discardedMessageId
      }
      ... on StatusEvent {
        status
      }
    }
  }
`;

const STOP = /* GraphQL */ `
  mutation Stop($id: ID!) {
    stopDiscussion(id: $id) {
      status
    }
  }
`;
const TURNS = /* GraphQL */ `
  query Turns($id: ID!) {
    discussion(id: $id) {
      messages(first: 500) {
        edges {
          node {
            role
            turn
          }
        }
      }
    }
  }
`;
const transcriptSchema = z.object({
  discussion: z
    .object({ messages: z.object({ edges: z.array(z.object({ node: z.object({ role: z.string(), turn: z.number() }) })) }) })
    .nullable(),
});

export async function runWorkerBench(options: WorkerBenchOptions): Promise<WorkerBenchResult> {
  const { redisUrl, keyPrefix, turnLockMs } = options;
  const config = loadConfig({ REDIS_URL: redisUrl, ROLE: 'api', LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...UNLIMITED_OWNER });
  const workerEnv = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    TURN_LOCK_MS: String(turnLockMs),
    ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
  };
  const workers: WorkerProcess[] = [];
  let app: App | undefined;
  let reference: RedisReference | undefined;
  const problems: string[] = [];
  try {
    app = await buildApp(config, { keyPrefix, logger: createLogger('silent') });
    const { url } = await app.start();
    const wsUrl = url.replace(/^http/, 'ws');
    reference = await createRedisReference(redisUrl, keyPrefix);

    // Throughput with one worker process, then two.
    const throughput: ThroughputRow[] = [];
    for (const count of [1, 2]) {
      while (workers.length < count) workers.push(spawnWorker({ ...workerEnv, MOCK_TOKEN_DELAY_MS: '0', LOG_LEVEL: 'info' }));
      await withTimeout(Promise.all(workers.map((worker) => worker.ready)), options.timeoutMs, 'worker processes to start');
      const result = await runScenario(
        { app, httpUrl: url, wsUrl, reference, maxRounds: options.maxRounds, timeoutMs: options.timeoutMs },
        options.setting,
      );
      throughput.push({ workers: count, result });
      problems.push(...result.problems.map((problem) => `${count} worker(s): ${problem}`));
      console.log(
        `${count} worker process(es), K=${result.discussions} S=${result.subscribers}: ${result.turns} turns in ${(result.wallMs / 1000).toFixed(2)} s`,
      );
    }
    await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGTERM')));

    const recovery = await measureRecovery(app, url, wsUrl, workerEnv, options, workers, problems);
    return { throughput, recovery, problems };
  } finally {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await reference?.close();
    await app?.stop();
  }
}

async function measureRecovery(
  app: App,
  url: string,
  wsUrl: string,
  workerEnv: Record<string, string>,
  options: WorkerBenchOptions,
  workers: WorkerProcess[],
  problems: string[],
): Promise<RecoverySample[]> {
  const log = new WaitableList<WorkerLogLine>();
  const env = { ...workerEnv, MOCK_TOKEN_DELAY_MS: String(options.recoveryTokenDelayMs), LOG_LEVEL: 'debug' };
  workers.push(spawnWorker(env, log), spawnWorker(env, log));
  await withTimeout(Promise.all(workers.map((worker) => worker.ready)), options.timeoutMs, 'worker processes to start');

  const id = await createMockDiscussion(url, 'Benchmark: recovering from a worker crash', 50);
  const events = new WaitableList<{ at: number; event: EventView }>();
  const client: Client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const ended = new Promise<void>((resolve, reject) => {
    client.subscribe<{ discussionEvents: EventView }>(
      { query: EVENTS, variables: { id } },
      {
        next: (result) => {
          if (result.data) events.push({ at: performance.now(), event: result.data.discussionEvents });
        },
        error: (error) => reject(new Error(`discussionEvents: ${JSON.stringify(error)}`)),
        complete: () => resolve(),
      },
    );
  });
  ended.catch(() => {});
  const samples: RecoverySample[] = [];
  const patienceMs = options.turnLockMs * 4 + 30_000;
  try {
    await withTimeout(app.whenListening(id, 1), options.timeoutMs, 'subscribing to discussionEvents');
    await startDiscussion(url, id);
    for (let kill = 1; kill <= options.kills; kill += 1) {
      const mark = events.values.length;
      // A turn streaming now: its first token came after the mark and it is a few tokens in.
      const streaming = await events.waitFor(
        (values) => {
          const fresh = values.slice(mark).map(({ event }) => event);
          const begun = new Set(
            fresh.flatMap((event) => (event.__typename === 'TokenEvent' && event.index === 0 ? [event.messageId] : [])),
          );
          return fresh.find((event) => event.__typename === 'TokenEvent' && event.index >= 2 && begun.has(event.messageId));
        },
        patienceMs,
        `a streaming turn (kill ${kill})`,
      );
      const started = log.values.findLast((line) => line.msg === 'turn started' && line.discussionId === id);
      const victim = workers.find((worker) => worker.pid === started?.pid && worker.alive);
      if (!started || !victim || streaming.__typename !== 'TokenEvent') throw new Error(`kill ${kill}: no worker is running the turn`);
      const killMark = events.values.length;
      const killedAt = performance.now();
      await victim.kill('SIGKILL');
      workers.splice(workers.indexOf(victim), 1, spawnWorker(env, log));

      const restarted = await events.waitFor(
        (values) =>
          values
            .slice(killMark)
            .find(({ event }) => event.__typename === 'TurnRestartedEvent' && event.discardedMessageId === streaming.messageId),
        patienceMs,
        `the takeover of turn ${started.turn ?? '?'} (kill ${kill})`,
      );
      const committed = await events.waitFor(
        (values) => values.slice(killMark).find(({ event }) => event.__typename === 'MessageEvent' && event.message.role === 'AGENT'),
        patienceMs,
        `the commit of turn ${started.turn ?? '?'} (kill ${kill})`,
      );
      samples.push({ turn: started.turn ?? -1, takeoverMs: restarted.at - killedAt, commitMs: committed.at - killedAt });
      console.log(
        `kill ${kill}: turn ${started.turn ?? '?'} taken over after ${((restarted.at - killedAt) / 1000).toFixed(2)} s, committed after ${((committed.at - killedAt) / 1000).toFixed(2)} s`,
      );
      await withTimeout(Promise.all(workers.map((worker) => worker.ready)), options.timeoutMs, 'the replacement worker to start');
    }

    await graphqlRequest(url, STOP, { id }, z.unknown());
    await withTimeout(ended, options.timeoutMs, 'the recovery discussion to stop');
    const transcript = await graphqlRequest(url, TURNS, { id }, transcriptSchema);
    const turns = transcript.discussion?.messages.edges.filter((edge) => edge.node.role !== 'HUMAN').map((edge) => edge.node.turn) ?? [];
    const expected = turns.map((_, index) => index);
    if (turns.join() !== expected.join()) problems.push(`recovery: turns committed out of order, twice or not at all: ${turns.join(',')}`);
  } catch (error) {
    problems.push(`recovery: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.dispose();
  }
  return samples;
}

const seconds = (milliseconds: number): number => Number((milliseconds / 1000).toFixed(2));

export function printWorkerBench(result: WorkerBenchResult, options: WorkerBenchOptions): void {
  console.log();
  console.table(
    result.throughput.map(({ workers, result: scenario }) => ({
      'worker processes': workers,
      K: scenario.discussions,
      S: scenario.subscribers,
      turns: scenario.turns,
      'turns/s': Math.round((scenario.turns * 1000) / scenario.wallMs),
      'wall s': seconds(scenario.wallMs),
      mismatches: scenario.mismatches,
      lost: scenario.lost,
      duplicates: scenario.duplicates,
    })),
  );
  if (result.recovery.length > 0) {
    const takeover = percentiles(result.recovery.map((sample) => sample.takeoverMs));
    const commit = percentiles(result.recovery.map((sample) => sample.commitMs));
    console.log(
      `Recovery from SIGKILL (TURN_LOCK_MS=${options.turnLockMs}, MOCK_TOKEN_DELAY_MS=${options.recoveryTokenDelayMs}, ${result.recovery.length} kills): ` +
        `median ${seconds(takeover.p50)} s to the takeover (max ${seconds(takeover.max)} s), ` +
        `median ${seconds(commit.p50)} s to the next committed turn (max ${seconds(commit.max)} s).`,
    );
  }
}
