// A turn taken over by another worker: the attempt it replaced never commits,
// and a stop that ends a dead worker's turn does not commit an attempt that was
// replaced. The engine runs on the memory store and bus, with a scripted model
// and a scheduler that records what it is asked (our own interfaces).

import { PubSub } from 'graphql-subscriptions';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/domain.js';
import { createTurnRunner } from '../../src/engine/turn-runner.js';
import { createEventBus } from '../../src/events/bus.js';
import type { LiveEvent } from '../../src/events/types.js';
import type { ChatModel, StreamPart } from '../../src/providers/types.js';
import type { ProviderRegistry } from '../../src/providers/registry.js';
import type { TurnJob, TurnScheduler } from '../../src/queue/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createDiscussion } from '../store/fixtures.js';

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

function setUp(model?: ChatModel) {
  const store = createMemoryStore();
  const bus = createEventBus({ pubsub: new PubSub() });
  const scheduled: TurnJob[] = [];
  const scheduler: TurnScheduler = {
    schedule: (job) => {
      scheduled.push(job);
      return Promise.resolve();
    },
    cancel: async () => {},
    startWorker: () => {},
    isReady: () => Promise.resolve(true),
    close: async () => {},
  };
  const providers: ProviderRegistry = {
    list: () => [],
    get: (name: ProviderName) => (name === 'MOCK' ? model : undefined),
    defaultModel: () => 'scripted',
  };
  const runner = createTurnRunner({ store, bus, providers, scheduler, logger: pino({ level: 'silent' }) });
  return { store, bus, runner, scheduled };
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
