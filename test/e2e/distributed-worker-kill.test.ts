import { describe, expect, it } from 'vitest';
import type { FakeResponse } from '../fake-vendor/server.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import {
  duplicates,
  EVENTS,
  type EventView,
  eventViewSchema,
  waitUntilLive,
  isTurnStarted,
  readTranscript,
  ReconnectingMessages,
  spelledBy,
  STOP,
  stoppedSchema,
  type TokenEventView,
  turnProblems,
  useFakeVendor,
  useProcesses,
  vendorAgents,
} from '../support/distributed.js';
import type { ServiceProcess } from '../support/processes.js';

const KILLS = 20;
/** What a held attempt says before it waits at its gate: "mid-turn" is an attempt that has streamed all of it. */
const HELD = ['Half ', 'a ', 'thought'];
const HELD_TEXT = HELD.join('');
/** A reply that runs to its end. */
const WHOLE: FakeResponse = { chunks: ['A ', 'whole ', 'reply.'] };

describe('workers SIGKILLed mid-turn, as separate processes on one Redis', () => {
  const context = useProcesses();
  const vendor = useFakeVendor();

  /** A reply held open at a gate the test never opens: it streams HELD, then stays in flight until its call is cut. */
  function heldReply(): FakeResponse {
    return { chunks: HELD, gate: vendor.fake.gate() };
  }

  /**
   * An API and two workers, whose agents speak through the fake vendor; one discussion whose first turn
   * is streaming (it has said HELD and waits at its gate) with a discussionEvents subscriber that has
   * been live since before the start.
   */
  async function streamOnTwoWorkers(settings: Record<string, string>, input: Record<string, unknown>) {
    const { group, redisUrl } = context;
    const env = { REDIS_URL: redisUrl, ...vendor.fake.environment(), ...settings };
    const api = group.spawnService('api', { ...env, ROLE: 'api', LOG_LEVEL: 'info' });
    const workers = [1, 2].map((number) => group.spawnService(`worker-${number}`, { ...env, ROLE: 'worker', LOG_LEVEL: 'debug' }));
    const [url] = await Promise.all([api.url, ...workers.map((worker) => worker.url)]);
    const id = await createDiscussion(url, input);
    const ws = createWsClient(url);
    const events = await subscribeWs(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventViewSchema);
    await waitUntilLive(url, id, events);
    await mustGraphQL(url, START, { id });
    const started = await group.waitForLine(isTurnStarted(id), { what: 'the first turn' });
    const streamedHeld = (values: EventView[]) =>
      values.some((event) => event.__typename === 'TokenEvent' && spelledBy(values, event.messageId) === HELD_TEXT);
    await events.collector.waitFor(streamedHeld, { what: 'the first turn to stream its held text' });
    const firstToken = events.collector.values.find((event): event is TokenEventView => event.__typename === 'TokenEvent');
    return { url, id, ws, events, workers, running: workers.find((worker) => worker.pid === started.pid), firstToken };
  }

  it(`loses no turn and commits none twice over ${KILLS} kills`, async () => {
    const { group, redisUrl } = context;
    const { fake } = vendor;
    const env = { REDIS_URL: redisUrl, TURN_LOCK_MS: '2000', ...fake.environment() };
    // Every attempt is held mid-turn until its worker is killed; a turn the test lets end gets a WHOLE reply, scripted just before a kill.
    fake.setDefaultResponse(heldReply());
    const api = group.spawnService('api', { ...env, ROLE: 'api', LOG_LEVEL: 'info' });
    let generation = 0;
    const spawnWorker = () => group.spawnService(`worker-${++generation}`, { ...env, ROLE: 'worker', LOG_LEVEL: 'debug' });
    const workers: ServiceProcess[] = [spawnWorker(), spawnWorker()];
    const [url] = await Promise.all([api.url, ...workers.map((worker) => worker.url)]);

    const id = await createDiscussion(url, { topic: 'Surviving crashes', agents: vendorAgents(3), maxRounds: 50 });
    const ws = createWsClient(url);
    const subscriber = new ReconnectingMessages(ws, id);
    try {
      const events = await subscribeWs(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventViewSchema);
      await subscriber.open('0-0');
      await waitUntilLive(url, id, events);
      await mustGraphQL(url, START, { id });

      const committed = () =>
        new Set(events.collector.values.flatMap((event) => (event.__typename === 'MessageEvent' ? [event.message.id] : [])));
      /** Attempts another attempt took over: besides the killed ones, any whose worker missed a lock renewal on a busy machine. */
      const discarded = () =>
        new Set(events.collector.values.flatMap((event) => (event.__typename === 'TurnRestartedEvent' ? [event.discardedMessageId] : [])));
      /**
       * A message held mid-turn now on a live worker, for a turn >= `minimumTurn`: its first token arrived
       * after `mark`, it has streamed the whole held text, it is neither committed nor taken over (a replaced
       * attempt stays held at its gate, and killing it would hold up the turn), and its worker logged which turn it is.
       */
      const streamingAfter = (mark: number, minimumTurn: number) => {
        const fresh = events.collector.values.slice(mark).filter((event): event is TokenEventView => event.__typename === 'TokenEvent');
        const begun = new Set(fresh.filter((token) => token.index === 0).map((token) => token.messageId));
        const done = committed();
        const replaced = discarded();
        for (const token of fresh) {
          if (
            !begun.has(token.messageId) ||
            done.has(token.messageId) ||
            replaced.has(token.messageId) ||
            spelledBy(fresh, token.messageId) !== HELD_TEXT
          )
            continue;
          const [line] = group.linesSince(
            logMark,
            (candidate) => candidate.entry.msg === 'message streaming' && candidate.entry.messageId === token.messageId,
          );
          const worker = workers.find((candidate) => candidate.pid === line?.pid && candidate.alive);
          const turn = line?.entry.turn ?? -1;
          if (worker && turn >= minimumTurn) return { token, worker, turn };
        }
        return undefined;
      };
      const kills: { turn: number; pid: number; messageId: string; atMs: number }[] = [];
      const startedAt = performance.now();
      let lastTurn = -1;
      // Where to look for the next streaming message and its log line: from the last kill on.
      let logMark = 0;
      let eventsMark = 0;
      // Replacements come up while the test looks for the next attempt to kill (a worker takes seconds to start on a busy
      // machine, and the takeover does not need it): at most two start at once, and every one must come up.
      const starting: Promise<string>[] = [];
      for (let kill = 1; kill <= KILLS; kill += 1) {
        // Every other kill hits the restarted attempt of the turn just killed; the others wait for a later turn.
        const minimumTurn = kill % 2 === 0 ? lastTurn : lastTurn + 1;
        await events.collector.waitFor(() => streamingAfter(eventsMark, minimumTurn) !== undefined, {
          timeoutMs: 30_000,
          what: `a turn >= ${minimumTurn} streaming on a live worker (kill ${kill})`,
        });
        const streaming = streamingAfter(eventsMark, minimumTurn);
        if (!streaming) throw new Error(`kill ${kill}: lost track of the streaming turn`);
        const { token, worker: victim, turn } = streaming;

        // The attempt that takes over a turn killed twice runs to its end, so that a later turn comes; the one after
        // the last kill is held like the others, so the stop below finds it mid-turn.
        if (kill % 2 === 0 && kill < KILLS) fake.script('openai-compatible', WHOLE);
        await victim.kill('SIGKILL');
        logMark = group.log.values.length;
        eventsMark = events.collector.values.length;
        kills.push({ turn, pid: victim.pid, messageId: token.messageId, atMs: performance.now() - startedAt });
        lastTurn = turn;
        const replacement = spawnWorker();
        workers.splice(workers.indexOf(victim), 1, replacement);
        starting.push(replacement.url);
        // The subscriber drops and comes back with the last cursor it had.
        await subscriber.reconnect();
        if (starting.length > 1) await starting.shift();
      }
      await Promise.all(starting);
      const killsMs = performance.now() - startedAt;

      // Let the turn after the last kill be taken over and stream, then stop the discussion and let it settle.
      await events.collector.waitFor(() => streamingAfter(eventsMark, lastTurn) !== undefined, {
        timeoutMs: 30_000,
        what: 'a turn streaming after the last kill',
      });
      const streamingAtStop = streamingAfter(eventsMark, lastTurn);
      await mustGraphQL(url, STOP, { id });
      const received = await subscriber.waitForEnd(20_000);
      const allEvents = await events.collector.waitForCompletion({ timeoutMs: 20_000 });
      const transcript = await readTranscript(url, id);

      expect(transcript.status).toBe('STOPPED');
      expect(transcript.inFlight).toBeNull();
      // Every turn is committed exactly once: agent turns run 0..N-1 with no gap and no repeat.
      const agentTurns = transcript.messages.filter((message) => message.role !== 'HUMAN').map((message) => message.turn);
      expect(turnProblems(agentTurns), 'agent turns missing or committed twice').toEqual({ missing: [], repeated: [] });
      expect(
        transcript.messages.filter((message) => message.role === 'SYSTEM'),
        'failed turns',
      ).toEqual([]);
      expect(agentTurns.length).toBeGreaterThan(Math.max(...kills.map((entry) => entry.turn)));
      // The message held mid-turn when the stop was sent is committed as cancelled, with its partial text.
      const lastStreamed = transcript.messages.find((message) => message.id === streamingAtStop?.token.messageId);
      expect(lastStreamed, 'the message streaming at the stop').toMatchObject({
        finishReason: 'cancelled',
        content: HELD_TEXT,
        turn: lastTurn,
      });
      // What the reconnecting subscriber saw, across its subscriptions, is the transcript with every message once.
      expect(subscriber.reconnects).toBe(KILLS);
      expect(duplicates(received.map((message) => message.id)), 'messages delivered twice across reconnects').toEqual([]);
      expect(received.map((message) => [message.id, message.cursor])).toEqual(
        transcript.messages.map((message) => [message.id, message.cursor]),
      );

      // A killed attempt is never committed; the attempt that takes over announces the restart, and its tokens start at index 0.
      const messageIds = new Set(transcript.messages.map((message) => message.id));
      const restarts = allEvents.filter(
        (event): event is Extract<EventView, { __typename: 'TurnRestartedEvent' }> => event.__typename === 'TurnRestartedEvent',
      );
      for (const { turn, messageId } of kills) {
        expect(messageIds.has(messageId), `the killed attempt ${messageId} of turn ${turn} was committed`).toBe(false);
        expect(
          restarts.filter((event) => event.discardedMessageId === messageId),
          `TurnRestartedEvent for turn ${turn}`,
        ).toEqual([{ __typename: 'TurnRestartedEvent', turn, discardedMessageId: messageId }]);
      }
      const tokens = allEvents.filter((event): event is TokenEventView => event.__typename === 'TokenEvent');
      for (const message of transcript.messages.filter((candidate) => candidate.role === 'AGENT')) {
        const deltas = tokens.filter((token) => token.messageId === message.id);
        expect(deltas.map((token) => token.index)).toEqual(deltas.map((_, index) => index));
        expect(deltas.map((token) => token.delta).join(''), `tokens of turn ${message.turn}`).toBe(message.content);
      }

      const distinctTurns = new Set(kills.map((entry) => entry.turn)).size;
      console.info(
        `${KILLS} SIGKILLs in ${(killsMs / 1000).toFixed(1)} s over ${distinctTurns} distinct turns; ${agentTurns.length} turns committed, ` +
          `${restarts.length} TurnRestartedEvents, workers spawned: ${generation}`,
      );
    } finally {
      subscriber.close();
      await ws.dispose();
    }
  }, 240_000);

  it("a stop while a killed worker's turn is being taken over cancels the attempt that took over, not the discarded one", async () => {
    // Every attempt is held mid-turn: the one that takes over is still streaming when the stop gives up waiting for the dead worker (5 s).
    vendor.fake.setDefaultResponse(heldReply());
    const {
      url,
      id,
      ws,
      events,
      running,
      firstToken: killed,
    } = await streamOnTwoWorkers({ TURN_LOCK_MS: '2000' }, { topic: 'Stopping during a takeover', agents: vendorAgents(2), maxRounds: 3 });
    try {
      await running?.kill('SIGKILL');

      // No process answers the stop's cancel; while it waits, the other worker takes the turn over.
      const stopped = await mustGraphQL(url, STOP, { id }, { schema: stoppedSchema });
      expect(stopped.stopDiscussion.status).toBe('STOPPED');
      const allEvents = await events.collector.waitForCompletion({ timeoutMs: 20_000 });
      const transcript = await readTranscript(url, id);

      const discarded = allEvents.flatMap((event) => (event.__typename === 'TurnRestartedEvent' ? [event.discardedMessageId] : []));
      const agentMessages = transcript.messages.filter((message) => message.role === 'AGENT');
      expect(agentMessages).toHaveLength(1);
      const [cancelled] = agentMessages;
      expect(cancelled).toMatchObject({ finishReason: 'cancelled', turn: 0 });
      expect(transcript.inFlight).toBeNull();
      // Whether or not the takeover began before the stop gave up on the dead worker, a message subscribers were told to discard is never committed.
      expect(
        discarded.filter((messageId) => messageId === cancelled?.id),
        'a discarded attempt was committed',
      ).toEqual([]);
      if (discarded.length > 0) {
        expect(discarded).toEqual([killed?.messageId]);
        // The attempt that took over is the one cancelled, and its partial text is what it streamed.
        const deltas = allEvents.filter(
          (event): event is TokenEventView => event.__typename === 'TokenEvent' && event.messageId === cancelled?.id,
        );
        expect(deltas.map((token) => token.delta).join('')).toBe(cancelled?.content);
      } else {
        expect(cancelled?.id).toBe(killed?.messageId);
      }
      expect(allEvents.at(-1)).toMatchObject({ __typename: 'StatusEvent', status: 'STOPPED' });
    } finally {
      await ws.dispose();
    }
  }, 60_000);

  it('a worker stopped with SIGTERM mid-turn hands the turn to another worker at once, without waiting for its lock', async () => {
    // The longest lock there is (10 minutes, far past this test's timeout): a takeover that waited for it to lapse would never come.
    // The first attempt is held mid-turn until the SIGTERM; the attempt that takes over, and the next turn, run whole.
    const { group } = context;
    vendor.fake.script('openai-compatible', heldReply());
    const {
      url,
      id,
      ws,
      events,
      workers,
      running: leaving,
      firstToken: interrupted,
    } = await streamOnTwoWorkers(
      { TURN_LOCK_MS: '600000', SHUTDOWN_GRACE_MS: '0' },
      { topic: 'Rolling restarts', agents: vendorAgents(2), maxRounds: 1 },
    );
    try {
      const [held] = vendor.fake.requestsFor('openai-compatible');
      await leaving?.kill('SIGTERM');
      expect(leaving?.child.exitCode, 'the worker exits cleanly').toBe(0);
      // Its shutdown cut the held call rather than wait for it.
      expect(await held?.closed).toEqual({ completed: false });

      const restart = await events.collector.waitFor((values) => values.some((event) => event.__typename === 'TurnRestartedEvent'), {
        timeoutMs: 20_000,
        what: 'the takeover',
      });
      expect(restart.find((event) => event.__typename === 'TurnRestartedEvent')).toEqual({
        __typename: 'TurnRestartedEvent',
        turn: 0,
        discardedMessageId: interrupted?.messageId,
      });

      await events.collector.waitForCompletion({ timeoutMs: 30_000 });
      const transcript = await readTranscript(url, id);
      expect(transcript.status).toBe('COMPLETED');
      const agentMessages = transcript.messages.filter((message) => message.role === 'AGENT');
      expect(agentMessages.map((message) => message.turn)).toEqual([0, 1]);
      expect(agentMessages.map((message) => message.id)).not.toContain(interrupted?.messageId);
      const otherWorker = workers.find((worker) => worker !== leaving);
      expect(
        group.log.values
          .filter(isTurnStarted(id))
          .filter((line) => line.entry.turn === 0)
          .map((line) => line.pid),
      ).toEqual([leaving?.pid, otherWorker?.pid]);
    } finally {
      await ws.dispose();
    }
  }, 60_000);
});
