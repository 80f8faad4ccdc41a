// A turn taken over by another worker: the attempt it replaced never commits,
// and a stop that ends a dead worker's turn does not commit an attempt that was
// replaced; a turn racing a stop writes nothing after the final status. The
// engine runs on the memory store and bus, with a scripted model and a scheduler
// that records what it is asked (our own interfaces).

import { PubSub } from 'graphql-subscriptions';
import { type Logger, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTurnCancellation } from '../../src/engine/turn-cancellation.js';
import { createTurnRunner } from '../../src/engine/turn-runner.js';
import { createEventBus } from '../../src/events/bus.js';
import { createTokenWriter, type TokenWriter } from '../../src/events/token-writer.js';
import type { LiveEvent } from '../../src/events/types.js';
import type { ChatModel, StreamPart } from '../../src/providers/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion } from '../store/fixtures.js';
import { abortableModel, recordingScheduler, scriptedRegistry } from '../support/engine-doubles.js';
import { captureLogText } from '../support/logs.js';

/** A model that streams one delta, then waits for `release` before finishing. */
function gatedModel() {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let streaming = () => {};
  const started = new Promise<void>((resolve) => (streaming = resolve));
  const model: ChatModel = {
    provider: 'MOCK',
    async *stream(): AsyncIterable<StreamPart> {
      yield { type: 'text-delta', text: 'A zombie speaks' };
      streaming();
      await released;
      yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 3 } };
    },
  };
  return { model, started, release };
}

function setUp(model?: ChatModel, logger: Logger = pino({ level: 'silent' })) {
  const store = createMemoryStore();
  const bus = createEventBus({ pubsub: new PubSub() });
  const { scheduler, scheduled } = recordingScheduler();
  const providers = scriptedRegistry(model);
  const dependencies = { store, bus, providers, scheduler, logger };
  const runner = createTurnRunner(dependencies);
  return { store, bus, runner, scheduled, dependencies };
}

/** Entry types of the log, and what a subscriber saw after the final status. */
async function afterTheEnd(store: DiscussionStore, id: string, events: readonly LiveEvent[]) {
  const stoppedAt = events.findIndex((event) => event.type === 'status' && event.change.status === 'STOPPED');
  return {
    log: (await store.readLog(id, { limit: 10 })).map((entry) => (entry.type === 'status' ? entry.change.status : entry.type)),
    eventsAfterStop: stoppedAt === -1 ? undefined : events.slice(stoppedAt + 1),
  };
}

/** A running discussion whose one agent speaks through the scripted model. */
const RUNNING_WITH_ADA = {
  status: 'RUNNING' as const,
  agents: [{ name: 'Ada', systemPrompt: 'You are Ada.', provider: 'MOCK' as const, model: 'scripted', stance: 'NONE' as const }],
};

const inFlight = (messageId: string) => ({ messageId, author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });

describe('a turn taken over by another worker', () => {
  it('does not commit the attempt it replaced, nor move the discussion on for it', async () => {
    const { model, started, release } = gatedModel();
    const { store, bus, runner, scheduled } = setUp(model);
    const record = await createDiscussion(store, RUNNING_WITH_ADA);
    const events: LiveEvent[] = [];
    await bus.subscribe(record.id, (event) => events.push(event));

    // The attempt streams, then stalls past its lock; another worker begins the same turn.
    const zombie = runner.runJob({ discussionId: record.id, turn: 0 });
    await started;
    const zombieMessage = (await store.getInFlight(record.id))?.messageId;
    expect(await store.beginInFlight(record.id, inFlight('taken-over'))).toStrictEqual({ replaced: { messageId: zombieMessage, turn: 0 } });
    release();
    await zombie;

    expect(await store.readLog(record.id, { limit: 10 })).toEqual([]);
    expect((await store.getInFlight(record.id))?.messageId).toBe('taken-over');
    expect((await store.get(record.id))?.turn).toBe(0);
    expect(scheduled).toEqual([]);
    // Its tokens went out, but no message with its id.
    expect(events.some((event) => event.type === 'token' && event.messageId === zombieMessage)).toBe(true);
    expect(events.filter((event) => event.type === 'message')).toEqual([]);
  });

  it("says once that the replaced attempt's tokens go nowhere, however many it goes on streaming", async () => {
    let open = () => {};
    const resumed = new Promise<void>((resolve) => (open = resolve));
    let streaming = () => {};
    const started = new Promise<void>((resolve) => (streaming = resolve));
    const model: ChatModel = {
      provider: 'MOCK',
      async *stream(): AsyncIterable<StreamPart> {
        yield { type: 'text-delta', text: 'A zombie ' };
        streaming();
        await resumed;
        // A turn of the event loop between deltas: each is written on its own.
        for (const text of ['keeps ', 'on ', 'talking']) {
          await new Promise((resolve) => setImmediate(resolve));
          yield { type: 'text-delta', text };
        }
        yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 3 } };
      },
    };
    const captured = captureLogText('warn');
    const { store, bus, dependencies } = setUp(model, captured.logger);
    const writer = createTokenWriter({ store, bus });
    let refused = 0;
    const tokens: TokenWriter = {
      async write(event) {
        const written = await writer.write(event);
        if (!written) refused += 1;
        return written;
      },
    };
    const runner = createTurnRunner({ ...dependencies, tokens });
    const record = await createDiscussion(store, RUNNING_WITH_ADA);

    const zombie = runner.runJob({ discussionId: record.id, turn: 0 });
    await started;
    await store.beginInFlight(record.id, inFlight('taken-over'));
    open();
    await zombie;
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(captured.lines.filter((line) => line.includes('token write refused'))).toHaveLength(1);
    expect((await store.getInFlight(record.id))?.text).toBe('');
  });

  it('says once that its token writes fail, and the reply fails with the error', async () => {
    const model: ChatModel = {
      provider: 'MOCK',
      async *stream(): AsyncIterable<StreamPart> {
        for (const text of ['Nobody ', 'hears ', 'this']) {
          await new Promise((resolve) => setImmediate(resolve));
          yield { type: 'text-delta', text };
        }
        yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 3 } };
      },
    };
    const captured = captureLogText('warn');
    const { store, dependencies } = setUp(model, captured.logger);
    let attempts = 0;
    const tokens: TokenWriter = {
      write() {
        attempts += 1;
        return Promise.reject(new Error('the token connection is gone'));
      },
    };
    const record = await createDiscussion(store, RUNNING_WITH_ADA);

    await createTurnRunner({ ...dependencies, tokens })
      .runJob({ discussionId: record.id, turn: 0 })
      .catch(() => {});
    expect(attempts).toBeGreaterThanOrEqual(2);
    const failures = captured.lines.filter((line) => line.includes('a token write failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('the token connection is gone');
    expect((await store.readLog(record.id, { limit: 10 })).filter((entry) => entry.type === 'message')).toEqual([]);
  });

  it('announces the restart when it replaces a dead attempt of the same turn', async () => {
    const { model, started, release } = gatedModel();
    const { store, bus, runner } = setUp(model);
    const record = await createDiscussion(store, RUNNING_WITH_ADA);
    await store.beginInFlight(record.id, inFlight('dead'));
    const events: LiveEvent[] = [];
    await bus.subscribe(record.id, (event) => events.push(event));

    const job = runner.runJob({ discussionId: record.id, turn: 0 });
    await started;
    release();
    await job;

    expect(events.filter((event) => event.type === 'turn_restarted')).toEqual([
      { type: 'turn_restarted', discussionId: record.id, turn: 0, discardedMessageId: 'dead' },
    ]);
    const [committed] = await store.readLog(record.id, { limit: 10 });
    expect(committed?.type === 'message' && committed.message.content).toBe('A zombie speaks');
  });
});

describe("ending a dead worker's turn", () => {
  it('commits its partial text as cancelled while its message is still in flight', async () => {
    const { store, runner } = setUp();
    const record = await createDiscussion(store, { status: 'RUNNING' });
    await store.beginInFlight(record.id, inFlight('dead'));
    await store.appendInFlight(record.id, 'Half a thought', 'dead');

    await runner.abandonTurn(record.id, 'dead');

    const [entry] = await store.readLog(record.id, { limit: 10 });
    expect(entry?.type === 'message' && [entry.message.id, entry.message.content, entry.message.finishReason]).toEqual([
      'dead',
      'Half a thought',
      'cancelled',
    ]);
    expect(await store.getInFlight(record.id)).toBeUndefined();
  });

  it('does nothing once another attempt has replaced its message', async () => {
    const { store, runner } = setUp();
    const record = await createDiscussion(store, { status: 'RUNNING' });
    await store.beginInFlight(record.id, inFlight('dead'));
    await store.appendInFlight(record.id, 'Half a thought', 'dead');
    await store.beginInFlight(record.id, inFlight('taken-over'));
    await store.appendInFlight(record.id, 'Fresh', 'taken-over');

    await runner.abandonTurn(record.id, 'dead');

    expect(await store.readLog(record.id, { limit: 10 })).toEqual([]);
    expect(await store.getInFlight(record.id)).toMatchObject({ messageId: 'taken-over', text: 'Fresh' });
  });
});

describe('a turn racing a stop', () => {
  it('is cancelled when it began between the cancel and the final status: its partial message precedes STOPPED', async () => {
    const { model, started } = abortableModel('Begun meanwhile');
    const { store, bus, runner, dependencies } = setUp(model);
    const record = await createDiscussion(store, RUNNING_WITH_ADA);
    const events: LiveEvent[] = [];
    await bus.subscribe(record.id, (event) => events.push(event));
    // The stop's status change waits until a turn has begun and streamed, as a job picked up at that instant would.
    let turn: Promise<void> | undefined;
    const racing: DiscussionStore = {
      ...store,
      async transition(id, change) {
        if (change.to === 'STOPPED' && turn === undefined) {
          turn = runner.runJob({ discussionId: id, turn: 0 });
          await started;
        }
        return store.transition(id, change);
      },
    };
    const { stopDiscussion } = createTurnCancellation({ ...dependencies, store: racing, runner });

    const stopped = await stopDiscussion(record.id);
    await turn;

    expect(stopped?.status).toBe('STOPPED');
    expect(await afterTheEnd(store, record.id, events)).toEqual({ log: ['message', 'STOPPED'], eventsAfterStop: [] });
    const [partial] = await store.readLog(record.id, { limit: 1 });
    expect(partial?.type === 'message' && [partial.message.content, partial.message.finishReason]).toEqual([
      'Begun meanwhile',
      'cancelled',
    ]);
    expect(await store.getInFlight(record.id)).toBeUndefined();
  });

  it('begins nothing when its job read RUNNING before a stop that another process finished', async () => {
    const { model } = abortableModel('Too late');
    const worker = setUp(model);
    const { store, bus } = worker;
    const record = await createDiscussion(store, RUNNING_WITH_ADA);
    const events: LiveEvent[] = [];
    await bus.subscribe(record.id, (event) => events.push(event));
    // The API's process runs no turn of its own; the whole stop happens after the worker read the discussion.
    const api = createTurnCancellation({ ...worker.dependencies, runner: createTurnRunner(worker.dependencies) });
    const late = createTurnRunner({
      ...worker.dependencies,
      store: {
        ...store,
        async beginInFlight(id, inFlight) {
          expect((await api.stopDiscussion(id))?.status).toBe('STOPPED');
          return store.beginInFlight(id, inFlight);
        },
      },
    });

    await late.runJob({ discussionId: record.id, turn: 0 });

    expect(await afterTheEnd(store, record.id, events)).toEqual({ log: ['STOPPED'], eventsAfterStop: [] });
    expect(await store.getInFlight(record.id)).toBeUndefined();
  });
});
