// How long a stop waits for the process running the turn (STOP_CANCEL_TIMEOUT_MS): a slow
// worker that answers within it commits the partial message itself, with its timings; a
// turn nobody answers for is ended by the stop once it has passed. Two turn runners share
// the memory store and bus, as an API and a worker share Redis; the stop's timer is faked,
// so time passes only when the test says so.

import { PubSub } from 'graphql-subscriptions';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTurnCancellation } from '../../src/engine/turn-cancellation.js';
import { createTurnRunner } from '../../src/engine/turn-runner.js';
import { createEventBus } from '../../src/events/bus.js';
import type { ChatModel } from '../../src/providers/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion } from '../store/fixtures.js';
import { abortableModel, recordingScheduler, scriptedRegistry } from '../support/engine-doubles.js';

function setUp(model?: ChatModel) {
  const store = createMemoryStore();
  const bus = createEventBus({ pubsub: new PubSub() });
  const dependencies = {
    store,
    bus,
    providers: scriptedRegistry(model),
    scheduler: recordingScheduler().scheduler,
    logger: pino({ level: 'silent' }),
  };
  return { store, bus, dependencies };
}

const RUNNING_WITH_ADA = {
  status: 'RUNNING' as const,
  agents: [{ name: 'Ada', systemPrompt: 'You are Ada.', provider: 'MOCK' as const, model: 'scripted', stance: 'NONE' as const }],
};

async function committedMessages(store: DiscussionStore, id: string) {
  const log = await store.readLog(id, { limit: 10 });
  return log.flatMap((entry) => (entry.type === 'message' ? [entry.message] : []));
}

describe('a stop of a turn that another process runs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits STOP_CANCEL_TIMEOUT_MS for a slow worker, which commits the partial message with its timings', async () => {
    const { model, started } = abortableModel('Slowly, ');
    const { store, bus, dependencies } = setUp(model);
    const record = await createDiscussion(store, RUNNING_WITH_ADA);
    const worker = createTurnRunner(dependencies);
    const turn = worker.runJob({ discussionId: record.id, turn: 0 });
    await started;
    // The worker hears the cancel at once, but acts on it only when the test lets it.
    let heard = () => {};
    const cancelHeard = new Promise<void>((resolve) => (heard = resolve));
    let answer = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await bus.onCommand((command) => {
      heard();
      void answered.then(() => worker.cancel(command.discussionId, command.reason));
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = createTurnCancellation({ ...dependencies, runner: createTurnRunner(dependencies), stopCancelTimeoutMs: 60_000 });

    const stopping = api.stopDiscussion(record.id);
    await cancelHeard;
    // Past the 5 s default, within the setting: the stop still waits for the worker.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await committedMessages(store, record.id)).toEqual([]);
    answer();

    expect((await stopping)?.status).toBe('STOPPED');
    await turn;
    const [message] = await committedMessages(store, record.id);
    expect(message && [message.content, message.finishReason, typeof message.durationMs]).toEqual(['Slowly, ', 'cancelled', 'number']);
  });

  it('ends the turn itself once STOP_CANCEL_TIMEOUT_MS has passed with no answer', async () => {
    const { store, dependencies } = setUp();
    const record = await createDiscussion(store, RUNNING_WITH_ADA);
    // A worker began the turn and died: its message is in flight, and no process runs it.
    await store.beginInFlight(record.id, { messageId: 'dead', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });
    await store.appendInFlight(record.id, 'Half a thought', 'dead');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = createTurnCancellation({ ...dependencies, runner: createTurnRunner(dependencies), stopCancelTimeoutMs: 1_000 });

    const stopping = api.stopDiscussion(record.id);
    // Only the setting's 1 s passes (not the 5 s default): the stop ends the dead worker's turn and finishes.
    await vi.advanceTimersByTimeAsync(1_000);

    expect((await stopping)?.status).toBe('STOPPED');
    const [message] = await committedMessages(store, record.id);
    expect(message && [message.id, message.content, message.finishReason, message.durationMs]).toEqual([
      'dead',
      'Half a thought',
      'cancelled',
      undefined,
    ]);
  });
});
