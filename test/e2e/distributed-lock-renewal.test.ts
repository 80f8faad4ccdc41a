// A worker's claim on a running turn, seen from Redis: a live worker keeps it however long the turn
// lasts, even with its event loop blocked in bursts, and a killed worker's claim lapses and another
// worker takes the turn over. The test watches the claim through Redis keyspace notifications (on a
// redis-server of its own), so "nothing happened for several lock durations" is counted in stalled
// checks that did happen, never in sleeps.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { turnLockTiming } from '../../src/config.js';
import type { FakeGate } from '../fake-vendor/server.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { Collector } from '../support/collector.js';
import { createDiscussion, START } from '../support/documents.js';
import {
  EVENTS,
  type EventView,
  eventViewSchema,
  waitUntilLive,
  isTurnStarted,
  readTranscript,
  useFakeVendor,
  useProcesses,
  vendorAgents,
} from '../support/distributed.js';
import type { LogLine, ServiceProcess } from '../support/processes.js';

/** A short lock, so that several lock durations pass quickly. */
const LOCK_MS = 2_000;
const { stallCheckMs } = turnLockTiming(LOCK_MS);
/** How many lock durations the slow turn is held open. */
const LOCK_DURATIONS = 4;
/**
 * Stalled checks that span that long: whichever worker checks first sets a key that lives
 * stallCheckMs and the others skip while it does, so consecutive checks are at least that far apart.
 */
const STALLED_CHECKS = Math.ceil((LOCK_DURATIONS * LOCK_MS) / stallCheckMs) + 1;
/** The slow worker blocks its event loop for a quarter of the lock at a time, with short breaks: busy two thirds of the time. */
const BURST_MS = LOCK_MS / 4;
const BURST_GAP_MS = LOCK_MS / 8;
/** Bursts to wait for besides the checks: more than two per lock duration. */
const BURSTS = 2 * LOCK_DURATIONS;

/** Many tiny deltas before the gate, so the worker also does real work for the turn; the rest after it. */
const TINY_CHUNKS = Array.from({ length: 400 }, (_, index) => `${index} `);
const AFTER_GATE = ['and ', 'that ', 'is ', 'all.'];
const HELD = ['Half ', 'a ', 'thought'];
const WHOLE = ['A ', 'whole ', 'reply.'];

/**
 * NODE_OPTIONS that preload, into a worker, a module that blocks its event loop on SIGUSR2: it spins
 * the CPU for BURST_MS, every BURST_MS + BURST_GAP_MS, and logs each burst as a JSON line (pino's format).
 */
const BLOCKS_ITS_LOOP_ON_SIGUSR2 = `--import=data:text/javascript,${encodeURIComponent(`
let bursts = 0;
const burst = () => {
  const until = Date.now() + ${BURST_MS};
  while (Date.now() < until);
  bursts += 1;
  process.stdout.write(JSON.stringify({ msg: 'event loop burst', bursts, burstMs: ${BURST_MS}, pid: process.pid }) + '\\n');
  setTimeout(burst, ${BURST_GAP_MS});
};
process.on('SIGUSR2', () => bursts === 0 && burst());
`)}`;

interface KeyEvent {
  key: string;
  /** The keyspace event: set, expire, expired, del, sadd, srem… */
  event: string;
}

const KEYSPACE = '__keyspace@0__:';

/** Every keyspace event of the keys under `keyPrefix`, on a Redis the test owns (it turns notifications on). */
async function watchKeys(redisUrl: string, keyPrefix: string) {
  const admin = new Redis(redisUrl);
  // K: keyspace channel; g: del, expire…; $: string commands (SET); s: set commands; x: expired keys.
  await admin.config('SET', 'notify-keyspace-events', 'Kg$sx');
  await admin.quit();
  const subscriber = new Redis(redisUrl);
  const events = new Collector<KeyEvent>();
  subscriber.on('pmessage', (_pattern: string, channel: string, event: string) =>
    events.push({ key: channel.slice(KEYSPACE.length), event }),
  );
  await subscriber.psubscribe(`${KEYSPACE}${keyPrefix}*`);
  return { events, close: () => subscriber.quit() };
}

const isLockOf = (discussionId: string, turn: number) => (event: KeyEvent) => event.key.endsWith(`:${discussionId}.${turn}.turn:lock`);
const isStalledCheck = (event: KeyEvent) => event.key.endsWith(':stalled-check') && event.event === 'set';
const isTakeBack = (line: LogLine) => line.entry.msg === 'took back a turn whose worker stopped renewing its claim';
const isLockLost = (line: LogLine) => line.entry.msg?.startsWith('could not renew the claim') === true;

describe("a worker's claim on a running turn, as separate processes on one Redis", () => {
  const context = useProcesses({ ownRedis: true });
  const vendor = useFakeVendor();

  /**
   * A Redis of the test's own with its keys watched, an API and two workers whose agent speaks through
   * the fake vendor, and a one-turn discussion with a discussionEvents subscriber live since before the start.
   * Resolves once the turn streams on one worker and its reply waits at `gate`.
   */
  async function oneTurnOnTwoWorkers(gate: FakeGate, settings: Record<string, string>) {
    const { group, keyPrefix } = context;
    const redis = await group.startRedis();
    const keys = await watchKeys(redis.url, keyPrefix);
    const env = { REDIS_URL: redis.url, LOG_LEVEL: 'debug', ...vendor.fake.environment(), ...settings };
    const api = group.spawnService('api', { ...env, ROLE: 'api', LOG_LEVEL: 'info' });
    const workers = [1, 2].map((number) => group.spawnService(`worker-${number}`, { ...env, ROLE: 'worker' }));
    const [url] = await Promise.all([api.url, ...workers.map((worker) => worker.url)]);
    const id = await createDiscussion(url, { topic: 'Holding on to a turn', agents: vendorAgents(1), maxRounds: 1 });
    const ws = createWsClient(url);
    const events = await subscribeWs(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventViewSchema);
    await waitUntilLive(url, id, events);
    await mustGraphQL(url, START, { id });
    const started = await group.waitForLine(isTurnStarted(id), { what: 'the turn to start' });
    await group.waitForLine((line) => line.entry.msg === 'message streaming' && line.entry.discussionId === id, {
      what: 'the attempt to log its message id',
    });
    await gate.reached();
    const holder = workers.find((worker) => worker.pid === started.pid);
    const other = workers.find((worker) => worker.pid !== started.pid);
    if (!holder || !other) throw new Error(`the turn started on pid ${started.pid}, not on a worker of this test`);
    const close = async () => {
      await ws.dispose();
      await keys.close();
    };
    return { url, id, keys: keys.events, events: events.collector, holder, other, close };
  }

  /** The workers' 'turn started' lines for the discussion's first turn (the job that then finds the discussion over logs one too). */
  const firstTurnStarts = (id: string) => context.group.log.values.filter(isTurnStarted(id)).filter((line) => line.entry.turn === 0);

  /** The id of each attempt at the discussion's turn, with the worker that made it, from the workers' debug lines. */
  const attempts = (id: string, workers: readonly ServiceProcess[]) =>
    context.group.log.values
      .filter((line) => line.entry.msg === 'message streaming' && line.entry.discussionId === id)
      .map((line) => ({ messageId: line.entry.messageId, worker: workers.find((worker) => worker.pid === line.pid)?.name }));

  const restarts = (values: readonly EventView[]) => values.filter((event) => event.__typename === 'TurnRestartedEvent');

  it(`a worker blocking its event loop in bursts keeps a turn held for ${LOCK_DURATIONS} lock durations: no takeover, no restart`, async () => {
    const { group } = context;
    const gate = vendor.fake.gate();
    vendor.fake.script('openai-compatible', { chunks: TINY_CHUNKS, gate, afterGate: AFTER_GATE });
    const { url, id, keys, events, holder, other, close } = await oneTurnOnTwoWorkers(gate, {
      TURN_LOCK_MS: String(LOCK_MS),
      NODE_OPTIONS: BLOCKS_ITS_LOOP_ON_SIGUSR2,
    });
    try {
      const isLock = isLockOf(id, 0);
      // The turn has streamed its tiny chunks and waits at the gate; from now on its worker is busy.
      const keyMark = keys.values.length;
      const logMark = group.log.values.length;
      holder.child.kill('SIGUSR2');
      const bursts = () => group.linesSince(logMark, (line) => line.pid === holder.pid && line.entry.msg === 'event loop burst').length;
      const since = (predicate: (event: KeyEvent) => boolean) => keys.values.slice(keyMark).filter(predicate).length;
      // Held while the stalled check runs STALLED_CHECKS times (>= LOCK_DURATIONS lock durations) and the loop is blocked BURSTS times.
      await keys.waitFor(() => since(isStalledCheck) >= STALLED_CHECKS && bursts() >= BURSTS, {
        timeoutMs: 90_000,
        what: `${STALLED_CHECKS} stalled checks and ${BURSTS} event loop bursts while the turn is held`,
      });
      const held = { checks: since(isStalledCheck), renewals: since((event) => isLock(event) && event.event === 'set'), bursts: bursts() };
      // The claim never lapsed: it was renewed all along, and no check found it missing.
      expect(keys.values.filter((event) => isLock(event) && event.event === 'expired')).toEqual([]);
      expect(held.renewals).toBeGreaterThanOrEqual(LOCK_DURATIONS);
      expect(group.log.values.filter((line) => isTakeBack(line) || isLockLost(line))).toEqual([]);
      expect(restarts(events.values)).toEqual([]);

      // The reply ends, with the worker still blocking its loop in bursts.
      gate.release();
      await events.waitForCompletion({ timeoutMs: 60_000 });
      const transcript = await readTranscript(url, id);
      expect(transcript.status).toBe('COMPLETED');
      const agentMessages = transcript.messages.filter((message) => message.role === 'AGENT');
      expect(agentMessages.map(({ turn, content, finishReason }) => ({ turn, content, finishReason }))).toEqual([
        { turn: 0, content: [...TINY_CHUNKS, ...AFTER_GATE].join(''), finishReason: 'stop' },
      ]);
      // One attempt, on the worker that started it: one provider call, no restart, no takeover.
      expect(attempts(id, [holder, other])).toEqual([{ messageId: agentMessages[0]?.id, worker: holder.name }]);
      expect(firstTurnStarts(id).map((line) => line.pid)).toEqual([holder.pid]);
      expect(vendor.fake.requestsFor('openai-compatible')).toHaveLength(1);
      expect(restarts(events.values)).toEqual([]);
      expect(keys.values.filter((event) => isLock(event) && event.event === 'expired')).toEqual([]);
      expect(group.log.values.filter((line) => isTakeBack(line) || isLockLost(line))).toEqual([]);
      expect(holder.alive).toBe(true);
      console.info(
        `held for ${held.checks} stalled checks (>= ${LOCK_DURATIONS} x TURN_LOCK_MS=${LOCK_MS}) through ${held.bursts} event loop ` +
          `bursts of ${BURST_MS} ms; the claim was renewed ${held.renewals} times`,
      );
    } finally {
      await close();
    }
  }, 180_000);

  it('a SIGKILLed worker loses its claim at the default TURN_LOCK_MS: another worker takes the turn over and commits it once', async () => {
    const { group } = context;
    const gate = vendor.fake.gate();
    // The first attempt is held at a gate the test never opens; the attempt that takes over runs whole.
    vendor.fake.script('openai-compatible', { chunks: HELD, gate }, { chunks: WHOLE });
    const { url, id, keys, events, holder: victim, other: survivor, close } = await oneTurnOnTwoWorkers(gate, {});
    try {
      const isLock = isLockOf(id, 0);
      const [killed] = attempts(id, [victim, survivor]);
      await victim.kill('SIGKILL');

      // The claim runs out in Redis, a check of the surviving worker moves the turn back to the queue, and the turn starts over.
      await keys.waitFor((values) => values.some((event) => isLock(event) && event.event === 'expired'), {
        timeoutMs: 30_000,
        what: "the killed worker's claim to run out",
      });
      const takeBack = await group.waitForLine((line) => isTakeBack(line) && line.entry.jobId === `${id}.0.turn`, {
        timeoutMs: 30_000,
        what: 'a worker to take the turn back',
      });
      expect(takeBack.pid).toBe(survivor.pid);
      await events.waitForCompletion({ timeoutMs: 30_000 });
      const transcript = await readTranscript(url, id);

      expect(transcript.status).toBe('COMPLETED');
      const agentMessages = transcript.messages.filter((message) => message.role === 'AGENT');
      expect(agentMessages.map(({ turn, content }) => ({ turn, content }))).toEqual([{ turn: 0, content: WHOLE.join('') }]);
      expect(restarts(events.values)).toEqual([{ __typename: 'TurnRestartedEvent', turn: 0, discardedMessageId: killed?.messageId }]);
      expect(attempts(id, [victim, survivor])).toEqual([
        { messageId: killed?.messageId, worker: victim.name },
        { messageId: agentMessages[0]?.id, worker: survivor.name },
      ]);
      expect(firstTurnStarts(id).map((line) => line.pid)).toEqual([victim.pid, survivor.pid]);
      expect(vendor.fake.requestsFor('openai-compatible')).toHaveLength(2);
    } finally {
      await close();
    }
  }, 150_000);
});
