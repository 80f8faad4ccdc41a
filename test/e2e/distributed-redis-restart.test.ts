import { describe, expect, it } from 'vitest';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, mockAgents, START } from '../support/documents.js';
import { duplicates, EVENTS, type EventView, readTranscript, ReconnectingMessages, turnProblems, useProcesses } from '../support/distributed.js';
import { httpStatus, waitForStatus, type RedisServer } from '../support/processes.js';

const AGENTS = 2;
const ROUNDS = 6;
/**
 * Two outages: one longer than TURN_LOCK_MS but shorter than the ~10 s the
 * store's connection keeps a command queued (maxRetriesPerRequest 20), so the
 * running turn's commands wait and go through; one longer than that, so they
 * fail and BullMQ runs the turn again.
 */
const OUTAGES = [
  { outageMs: 4_000, what: 'a 4 s outage: queued commands go through' },
  { outageMs: 15_000, what: 'a 15 s outage: the running turn fails and runs again' },
];

describe('a Redis restart under an API and a worker, as separate processes', () => {
  // The test runs its own redis-server (AOF on) so it can stop and start it; its keys go with its directory.
  const context = useProcesses({ ownRedis: true });

  it.each(OUTAGES)('$what; reconnects, replays without a gap, loses no committed message and completes', async ({ outageMs: plannedOutageMs }) => {
    const { group, keyPrefix } = context;
    const redis: RedisServer = await group.startRedis();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: keyPrefix, TURN_LOCK_MS: '2000', MOCK_TOKEN_DELAY_MS: '10', LOG_LEVEL: 'debug' };
    const api = group.spawnService('api', { ...env, ROLE: 'api' });
    const worker = group.spawnService('worker', { ...env, ROLE: 'worker' });
    const [url] = await Promise.all([api.url, worker.url]);
    const origins = { api: await api.origin, worker: await worker.origin };

    const id = await createDiscussion(url, { topic: 'Riding out a Redis restart', agents: mockAgents(AGENTS), maxRounds: ROUNDS });
    const ws = createWsClient(url);
    const subscriber = new ReconnectingMessages(ws, id);
    try {
      await subscriber.open('0-0');
      const events = await subscribeWs<EventView>(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents');
      await mustGraphQL(url, START, { id });

      // Mid-discussion: three messages committed and the fourth streaming.
      await events.collector.waitFor(
        (values) => {
          const committed = values.filter((event) => event.__typename === 'MessageEvent').length;
          return committed >= 3 && values.at(-1)?.__typename === 'TokenEvent';
        },
        { timeoutMs: 20_000, what: 'three messages and a streaming fourth' },
      );
      const before = await readTranscript(url, id);
      expect(before.status).toBe('RUNNING');

      const outageStartedAt = performance.now();
      await redis.stop();
      // Down: both roles are alive but not ready.
      const [apiReady, workerReady, apiHealth, workerHealth] = await Promise.all([
        httpStatus(origins.api, '/ready'),
        httpStatus(origins.worker, '/ready'),
        httpStatus(origins.api, '/health'),
        httpStatus(origins.worker, '/health'),
      ]);
      expect({ apiReady, workerReady, apiHealth, workerHealth }).toEqual({ apiReady: 503, workerReady: 503, apiHealth: 200, workerHealth: 200 });
      // Hold Redis down for the planned outage (the probes above took about 2 s of it).
      const holdMs = plannedOutageMs - (performance.now() - outageStartedAt);
      if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
      await redis.start();
      const outageMs = performance.now() - outageStartedAt;
      await Promise.all([waitForStatus(origins.api, '/ready', 200), waitForStatus(origins.worker, '/ready', 200)]);
      const readyAgainMs = performance.now() - outageStartedAt;

      // The client reconnects with the last cursor it had: the replay fills whatever the outage hid.
      await subscriber.reconnect();
      const received = await subscriber.waitForEnd(60_000);
      const transcript = await readTranscript(url, id);

      expect(transcript.status, `the discussion ended ${transcript.status} (${transcript.stopReason ?? transcript.error ?? ''})`).toBe('COMPLETED');
      expect(transcript.stopReason).toBe('max_rounds');
      expect(transcript.inFlight).toBeNull();
      // Nothing committed before the restart is lost, and it is still first, in order.
      const slim = (messages: typeof before.messages) => messages.map(({ id: messageId, cursor, content, turn }) => ({ messageId, cursor, content, turn }));
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
  }, 120_000);
});
