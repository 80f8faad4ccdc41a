import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareCursors } from '../../src/store/types.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, MESSAGE_ADDED, messageViewSchema, START } from '../support/documents.js';
import {
  duplicates,
  EVENTS,
  type EventView,
  eventViewSchema,
  injectMessage,
  isTurnStarted,
  readTranscript,
  spelledBy,
  STOP,
  stoppedSchema,
  type TokenEventView,
  useFakeVendor,
  useProcesses,
  vendorAgents,
} from '../support/distributed.js';
import { httpStatus } from '../support/processes.js';

/** What the turn stopped mid-reply has said when the stop arrives; the rest of its reply is never sent. */
const HELD = ['Scaling ', 'out ', 'means ', 'that '];
const LAST_MESSAGE = 'query($id: ID!) { discussion(id: $id) { messages(last: 1) { edges { node { id durationMs } } } } }';
const lastMessageSchema = z.strictObject({
  discussion: z.strictObject({
    messages: z.strictObject({
      edges: z.array(z.strictObject({ node: z.strictObject({ id: z.string(), durationMs: z.number().nullable() }) })),
    }),
  }),
});

describe('two API replicas and a worker, as separate processes on one Redis', () => {
  const context = useProcesses();
  const vendor = useFakeVendor();

  it('serves a discussion started on one replica to subscribers of the other, and stops it across processes', async () => {
    const { group, redisUrl } = context;
    const { fake } = vendor;
    // The stop below must be answered by the worker, however loaded the machine: B waits for it up to
    // STOP_CANCEL_TIMEOUT_MS (5 s by default, once not enough under the whole suite) before ending the turn itself.
    const env = { REDIS_URL: redisUrl, TURN_LOCK_MS: '2000', STOP_CANCEL_TIMEOUT_MS: '60000', LOG_LEVEL: 'debug', ...fake.environment() };
    // The agents speak through the fake vendor. Ada's first reply runs whole; Bob's waits at a gate while
    // an observer injects on B; Ada's next one waits at another gate until the stop cancels it.
    const duringInjection = fake.gate();
    const untilStopped = fake.gate();
    fake.script(
      'openai-compatible',
      { chunks: ['An ', 'opening ', 'statement.'] },
      { chunks: ['Bob ', 'is ', 'mid-reply'], gate: duringInjection, afterGate: [' and done.'] },
      { chunks: HELD, gate: untilStopped, afterGate: ['never sent.'] },
    );
    const replicaA = group.spawnService('api-a', { ...env, ROLE: 'api' });
    const replicaB = group.spawnService('api-b', { ...env, ROLE: 'api' });
    const worker = group.spawnService('worker', { ...env, ROLE: 'worker' });
    const [urlA, urlB] = await Promise.all([replicaA.url, replicaB.url, worker.url]);

    // Liveness and readiness answer on both roles (a worker serves only these two).
    for (const service of [replicaA, replicaB, worker]) {
      const origin = await service.origin;
      expect(await httpStatus(origin, '/health'), `${service.name} /health`).toBe(200);
      expect(await httpStatus(origin, '/ready'), `${service.name} /ready`).toBe(200);
    }
    expect(await httpStatus(await worker.origin, '/graphql'), 'a worker serves no GraphQL').toBe(404);

    const id = await createDiscussion(urlA, { topic: 'Scaling out the orchestrator', agents: vendorAgents(2), maxRounds: 10 });
    const wsB = createWsClient(urlB);
    try {
      const messages = await subscribeWs(wsB, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
      const events = await subscribeWs(wsB, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventViewSchema);
      // Replay runs after the live subscription is set up on B: once both replayed this message, no live event can be missed.
      const probe = await injectMessage(urlB, id, 'An observer joins before the start.');
      await messages.collector.waitFor((values) => values.some((message) => message.id === probe.id), {
        what: 'the probe on messageAdded',
      });
      await events.collector.waitFor(
        (values) => values.some((event) => event.__typename === 'MessageEvent' && event.message.id === probe.id),
        {
          what: 'the probe on discussionEvents',
        },
      );

      await mustGraphQL(urlA, START, { id });
      await messages.collector.waitFor((values) => values.some((message) => message.role === 'AGENT'), {
        timeoutMs: 20_000,
        what: 'the first agent message',
      });
      // Bob's turn is in flight on the worker, held at its gate, while the observer speaks on B.
      await duringInjection.reached();
      const injected = await injectMessage(urlB, id, 'Injected on replica B while the agents talk.');
      duringInjection.release();

      // Stop on B while a turn streams on the worker: the turn after the injection, its first words out, held at its gate.
      const committedIds = () =>
        new Set(events.collector.values.flatMap((event) => (event.__typename === 'MessageEvent' ? [event.message.id] : [])));
      const injectedAt = () =>
        events.collector.values.findIndex((event) => event.__typename === 'MessageEvent' && event.message.id === injected.id);
      const streamingToken = (values: EventView[]): TokenEventView | undefined => {
        const from = injectedAt();
        if (from < 0) return undefined;
        const committed = committedIds();
        return values
          .slice(from)
          .find(
            (event): event is TokenEventView =>
              event.__typename === 'TokenEvent' && !committed.has(event.messageId) && spelledBy(values, event.messageId) === HELD.join(''),
          );
      };
      const [heldRequest] = await untilStopped.reached();
      await events.collector.waitFor((values) => streamingToken(values) !== undefined, {
        timeoutMs: 20_000,
        what: 'the held turn after the injection',
      });
      const streaming = streamingToken(events.collector.values);
      const stopped = await mustGraphQL(urlB, STOP, { id }, { schema: stoppedSchema });
      expect(stopped.stopDiscussion).toEqual({ status: 'STOPPED', stopReason: 'stopped_by_user' });
      // The worker answered the cancel command: it committed the partial message itself, with the timings only the
      // process running the turn knows (B did not have to wait it out and abandon the turn), and it cut its vendor call.
      const latest = await mustGraphQL(urlA, LAST_MESSAGE, { id }, { schema: lastMessageSchema });
      const [lastMessage] = latest.discussion.messages.edges.map((edge) => edge.node);
      expect(lastMessage?.id).toBe(streaming?.messageId);
      expect(lastMessage?.durationMs, 'B gave up on the worker and abandoned the turn itself').not.toBeNull();
      expect(await heldRequest?.closed).toEqual({ completed: false });

      const received = await messages.collector.waitForCompletion({ timeoutMs: 15_000 });
      const allEvents = await events.collector.waitForCompletion({ timeoutMs: 15_000 });
      expect(messages.collector.errors).toEqual([]);
      expect(events.collector.errors).toEqual([]);

      // messageAdded: every message once, cursors strictly increasing.
      expect(duplicates(received.map((message) => message.id)), 'duplicate message ids on messageAdded').toEqual([]);
      expect(duplicates(received.map((message) => message.cursor)), 'duplicate cursors on messageAdded').toEqual([]);
      const cursors = received.map((message) => message.cursor);
      expect(cursors).toEqual([...cursors].sort(compareCursors));
      expect(received.filter((message) => message.id === injected.id)).toHaveLength(1);

      // discussionEvents: every persisted event once, every token once.
      const persisted = allEvents.filter((event) => event.__typename === 'MessageEvent' || event.__typename === 'StatusEvent');
      expect(duplicates(persisted.map((event) => event.cursor)), 'duplicate cursors on discussionEvents').toEqual([]);
      const tokens = allEvents.filter((event): event is TokenEventView => event.__typename === 'TokenEvent');
      expect(duplicates(tokens.map((token) => `${token.messageId}#${token.index}`)), 'duplicate tokens').toEqual([]);
      const eventMessages = persisted.flatMap((event) => (event.__typename === 'MessageEvent' ? [event.message] : []));
      expect(eventMessages.map((message) => message.id)).toEqual(received.map((message) => message.id));

      // The cancelled partial message is committed, then the final STOPPED status ends the stream.
      const last = allEvents.at(-1);
      expect(last?.__typename === 'StatusEvent' && last.status).toBe('STOPPED');
      const cancelled = received.at(-1);
      expect(cancelled?.role).toBe('AGENT');
      expect(cancelled?.finishReason).toBe('cancelled');
      expect(cancelled?.id).toBe(streaming?.messageId);
      const cancelledAt = allEvents.findIndex((event) => event.__typename === 'MessageEvent' && event.message.id === cancelled?.id);
      const stoppedAt = allEvents.findIndex((event) => event.__typename === 'StatusEvent' && event.status === 'STOPPED');
      expect(cancelledAt).toBeGreaterThanOrEqual(0);
      expect(cancelledAt).toBeLessThan(stoppedAt);
      // Its partial text is exactly what B's subscriber saw streamed, and every committed agent message matches its tokens.
      for (const message of received.filter((candidate) => candidate.role === 'AGENT')) {
        const deltas = tokens.filter((token) => token.messageId === message.id);
        expect(deltas.map((token) => token.index)).toEqual(deltas.map((_, index) => index));
        expect(deltas.map((token) => token.delta).join(''), `tokens of ${message.id}`).toBe(message.content);
      }
      // Exactly what was streamed before the stop.
      expect(cancelled?.content).toBe(HELD.join(''));

      // The transcript read through A is what B's subscriber saw.
      const transcript = await readTranscript(urlA, id);
      expect(transcript.status).toBe('STOPPED');
      expect(transcript.inFlight).toBeNull();
      // What identifies a committed message and its content, from either side.
      const view = ({ id: messageId, cursor, author, role, content, turn, finishReason }: (typeof received)[number]) => ({
        messageId,
        cursor,
        author,
        role,
        content,
        turn,
        finishReason,
      });
      expect(transcript.messages.map(view)).toEqual(received.map(view));

      // Only the worker ran turns (every process logs at debug, where a turn's start is logged).
      const starters = new Set(group.log.values.filter(isTurnStarted(id)).map((line) => line.process));
      expect([...starters]).toEqual(['worker']);
    } finally {
      await wsB.dispose();
    }
  }, 90_000);
});
