import { describe, expect, it } from 'vitest';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import {
  duplicates,
  EVENTS,
  eventViewSchema,
  readTranscript,
  ReconnectingMessages,
  spelledBy,
  turnProblems,
  useFakeVendor,
  useProcesses,
  vendorAgents,
} from '../support/distributed.js';
import { httpStatus, type LogLine, waitForStatus, type RedisServer } from '../support/processes.js';

const AGENTS = 2;
const ROUNDS = 6;
/** What the fourth turn has said when Redis goes down; the rest of its reply streams during the outage. */
const HELD = ['Three ', 'messages ', 'in, '];
const DURING_OUTAGE = ['and ', 'the ', 'rest ', 'while ', 'Redis ', 'is ', 'down.'];
/**
 * Two outages, measured in what the worker's store connection lives through
 * rather than in seconds, so that a slow machine cannot turn one into the
 * other. ioredis waits 50 ms × n before its n-th reconnection, and fails a
 * queued command after maxRetriesPerRequest (20) of them:
 * - 10 failed reconnections (≥ 2.75 s of back-off, longer than TURN_LOCK_MS,
 *   with about 7.75 s still to go): the running turn's commands wait and go through;
 * - 21 (past the 20th, where queued commands are failed): they fail and BullMQ
 *   runs the turn again.
 */
const OUTAGES = [
  { failedReconnections: 10, what: 'an outage past TURN_LOCK_MS: queued commands go through' },
  { failedReconnections: 21, what: 'an outage past maxRetriesPerRequest: the running turn fails and runs again' },
];

const isWorkerStoreRefused = (line: LogLine) =>
  line.process === 'worker' &&
  line.entry.msg === 'redis connection error' &&
  line.entry.connection === 'store' &&
  String(line.entry.message).includes('ECONNREFUSED');

describe('a Redis restart under an API and a worker, as separate processes', () => {
  // The test runs its own redis-server (AOF on) so it can stop and start it; its keys go with its directory.
  const context = useProcesses({ ownRedis: true });
  const vendor = useFakeVendor();

  it.each(OUTAGES)(
    '$what; reconnects, replays without a gap, loses no committed message and completes',
    async ({ failedReconnections }) => {
      const { group, keyPrefix } = context;
      const { fake } = vendor;
      const redis: RedisServer = await group.startRedis();
      const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: keyPrefix, TURN_LOCK_MS: '2000', LOG_LEVEL: 'debug', ...fake.environment() };
      // Three whole replies, then a fourth held at a gate until Redis is down; every later reply runs whole.
      const fourth = fake.gate();
      fake.script('openai-compatible', {}, {}, {}, { chunks: HELD, gate: fourth, afterGate: DURING_OUTAGE });
      const api = group.spawnService('api', { ...env, ROLE: 'api' });
      const worker = group.spawnService('worker', { ...env, ROLE: 'worker' });
      const [url] = await Promise.all([api.url, worker.url]);
      const origins = { api: await api.origin, worker: await worker.origin };

      const id = await createDiscussion(url, { topic: 'Riding out a Redis restart', agents: vendorAgents(AGENTS), maxRounds: ROUNDS });
      const ws = createWsClient(url);
      const subscriber = new ReconnectingMessages(ws, id);
      try {
        await subscriber.open('0-0');
        const events = await subscribeWs(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventViewSchema);
        await mustGraphQL(url, START, { id });

        // Mid-discussion: three messages committed and the fourth streaming, held at its gate.
        await fourth.reached();
        await events.collector.waitFor(
          (values) => {
            const committed = values.flatMap((event) => (event.__typename === 'MessageEvent' ? [event.message.id] : []));
            const streaming = values.find(
              (event) =>
                event.__typename === 'TokenEvent' &&
                !committed.includes(event.messageId) &&
                spelledBy(values, event.messageId) === HELD.join(''),
            );
            return committed.length === 3 && streaming !== undefined;
          },
          { timeoutMs: 20_000, what: 'three messages and a streaming fourth' },
        );
        const before = await readTranscript(url, id);
        expect(before.status).toBe('RUNNING');
        expect(before.messages).toHaveLength(3);

        const outageStartedAt = performance.now();
        const logMark = group.log.values.length;
        await redis.stop();
        // The fourth reply goes on while Redis is down: its tokens meet the outage.
        fourth.release();
        // Down: both roles are alive but not ready.
        const [apiReady, workerReady, apiHealth, workerHealth] = await Promise.all([
          httpStatus(origins.api, '/ready'),
          httpStatus(origins.worker, '/ready'),
          httpStatus(origins.api, '/health'),
          httpStatus(origins.worker, '/health'),
        ]);
        expect({ apiReady, workerReady, apiHealth, workerHealth }).toEqual({
          apiReady: 503,
          workerReady: 503,
          apiHealth: 200,
          workerHealth: 200,
        });
        // Hold Redis down until the worker's store connection has failed that many reconnections.
        await group.log.waitFor((lines) => lines.slice(logMark).filter(isWorkerStoreRefused).length >= failedReconnections, {
          timeoutMs: 60_000,
          what: `${failedReconnections} failed reconnections of the worker's store connection`,
        });
        await redis.start();
        const outageMs = performance.now() - outageStartedAt;
        await Promise.all([waitForStatus(origins.api, '/ready', 200), waitForStatus(origins.worker, '/ready', 200)]);
        const readyAgainMs = performance.now() - outageStartedAt;

        // The client reconnects with the last cursor it had: the replay fills whatever the outage hid.
        await subscriber.reconnect();
        const received = await subscriber.waitForEnd(60_000);
        const transcript = await readTranscript(url, id);

        expect(transcript.status, `the discussion ended ${transcript.status} (${transcript.stopReason ?? transcript.error ?? ''})`).toBe(
          'COMPLETED',
        );
        expect(transcript.stopReason).toBe('max_rounds');
        expect(transcript.inFlight).toBeNull();
        // Nothing committed before the restart is lost, and it is still first, in order.
        const slim = (messages: typeof before.messages) =>
          messages.map(({ id: messageId, cursor, content, turn }) => ({ messageId, cursor, content, turn }));
        expect(slim(transcript.messages).slice(0, before.messages.length)).toEqual(slim(before.messages));
        // Every turn once: a turn cut by the outage is run again or noted as failed, never committed twice.
        const turns = transcript.messages.map((message) => message.turn);
        expect(turnProblems(turns), 'turns missing or committed twice').toEqual({ missing: [], repeated: [] });
        const agentMessages = transcript.messages.filter((message) => message.role === 'AGENT');
        expect(agentMessages.length + transcript.messages.filter((message) => message.role === 'SYSTEM').length).toBe(AGENTS * ROUNDS);
        // The reconnecting subscriber has every message exactly once.
        expect(duplicates(received.map((message) => message.id))).toEqual([]);
        expect(received.map((message) => message.cursor)).toEqual(transcript.messages.map((message) => message.cursor));

        const failedTurns = transcript.messages.filter((message) => message.role === 'SYSTEM').length;
        const restarts = events.collector.values.filter((event) => event.__typename === 'TurnRestartedEvent').length;
        console.info(
          `Redis down and up again in ${(outageMs / 1000).toFixed(1)} s; both roles ready after ${(readyAgainMs / 1000).toFixed(1)} s; ` +
            `${agentMessages.length} agent turns, ${failedTurns} failed turn(s), ${restarts} TurnRestartedEvent(s); the first subscription completed: ${events.collector.completed}`,
        );
        events.close();
      } finally {
        subscriber.close();
        await ws.dispose();
      }
    },
    120_000,
  );
});
