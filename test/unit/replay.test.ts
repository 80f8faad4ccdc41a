// The discussion event stream when live events arrive in another order than
// their log: processes publish what they commit after the commit, so a stop
// committed by the API can reach a subscriber before the worker's last message.
// Runs on the memory store and bus, and on a real Redis store with RedisPubSub.

import { randomUUID } from 'node:crypto';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSub } from 'graphql-subscriptions';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '../../src/events/bus.js';
import { openDiscussionStream } from '../../src/events/replay.js';
import type { LiveEvent, PersistedEvent, StreamEvent, TokenEvent } from '../../src/events/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createRedisStore } from '../../src/store/redis-store.js';
import type { DiscussionStore, LogEntry } from '../../src/store/types.js';
import { createDiscussion, makeMessage } from '../store/fixtures.js';
import { makeToolCall } from '../store/store-contract-tool-calls.js';
import { deleteKeys, TEST_REDIS_URL } from '../support/app.js';

const keyPrefix = `test:${randomUUID()}:`;
const redisClients: Redis[] = [];

function connect(): Redis {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  redisClients.push(client);
  return client;
}

function redisParts(): { store: DiscussionStore; bus: EventBus } {
  return {
    store: createRedisStore({ redis: connect(), keyPrefix }),
    bus: createEventBus({ pubsub: new RedisPubSub({ publisher: connect(), subscriber: connect() }), channelPrefix: keyPrefix }),
  };
}

afterAll(async () => {
  await deleteKeys(TEST_REDIS_URL, keyPrefix);
  await Promise.all(redisClients.map((client) => client.quit()));
});

const MODES = [
  { mode: 'memory', parts: () => ({ store: createMemoryStore(), bus: createEventBus({ pubsub: new PubSub() }) }) },
  { mode: 'redis', parts: redisParts },
];

/** Reads the stream to its end. */
async function drain(stream: AsyncIterableIterator<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const describeEvent = (event: StreamEvent): string => {
  switch (event.type) {
    case 'message':
      return `message:${event.message.content}`;
    case 'status':
      return `status:${event.change.status}`;
    case 'token':
      return `token:${event.delta}`;
    case 'tool_call':
      return `tool_call:${event.toolCall.tool}`;
    case 'overflow':
      return `overflow:${event.capacity}`;
    case 'speaker_selected':
    case 'turn_restarted':
    case 'turn_ended':
    case 'deleted':
      return event.type;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
};

describe.each(MODES)('a discussion stream whose live events arrive out of log order ($mode)', ({ parts }) => {
  const { store, bus } = parts();
  const publish = (discussionId: string, entry: LogEntry | undefined) => {
    if (!entry) throw new Error('the write failed');
    return bus.publish(discussionId, { ...entry, discussionId } satisfies PersistedEvent);
  };

  async function running() {
    const record = await createDiscussion(store, { status: 'RUNNING' });
    return record.id;
  }

  it('delivers a message whose event comes after the final status, then ends', async () => {
    const id = await running();
    const opening = await store.appendMessage(id, makeMessage(id, { content: 'opening' }));
    await publish(id, opening?.entry);
    const stream = await openDiscussionStream({ bus, store }, id, { after: '0-0' });
    const events = drain(stream);

    // The worker commits its cancelled message; the API commits STOPPED and publishes first.
    const cancelled = await store.appendMessage(id, makeMessage(id, { content: 'cancelled' }), {
      fenceTurn: 0,
      round: 0,
      consecutiveFailures: 0,
    });
    const stopped = await store.transition(id, { from: ['RUNNING'], to: 'STOPPED' });
    await publish(id, stopped?.entry);
    await publish(id, cancelled?.entry);

    expect((await events).map(describeEvent)).toEqual(['message:opening', 'message:cancelled', 'status:STOPPED']);
  });

  it('puts two messages published in reverse order back in log order, each once, and stays live', async () => {
    const id = await running();
    const stream = await openDiscussionStream({ bus, store }, id, { after: '0-0' });
    const events = drain(stream);

    const first = await store.appendMessage(id, makeMessage(id, { content: 'first' }));
    await publish(id, first?.entry);
    const second = await store.appendMessage(id, makeMessage(id, { content: 'second' }));
    const third = await store.appendMessage(id, makeMessage(id, { content: 'third' }));
    await publish(id, third?.entry);
    await bus.publish(id, { type: 'token', discussionId: id, messageId: 'streaming', author: 'Ada', delta: 'live', index: 0, offset: 0 });
    await publish(id, second?.entry);
    const fourth = await store.appendMessage(id, makeMessage(id, { content: 'fourth' }));
    await publish(id, fourth?.entry);
    await publish(id, (await store.transition(id, { from: ['RUNNING'], to: 'COMPLETED' }))?.entry);

    expect((await events).map(describeEvent)).toEqual([
      'message:first',
      'message:second',
      'message:third',
      'token:live',
      'message:fourth',
      'status:COMPLETED',
    ]);
  });

  it('replays tool calls, puts one published after its message back in log order, and moves a messages-only stream past them', async () => {
    const id = await running();
    await store.beginInFlight(id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });
    const search = await store.appendToolCall(id, makeToolCall({ messageId: 'm-1', tool: 'search/web_search' }));
    await publish(id, search);
    const everything = drain(await openDiscussionStream({ bus, store }, id, { after: '0-0' }));
    const messagesOnly = drain(
      await openDiscussionStream({ bus, store }, id, { after: '0-0', wants: (event) => event.type === 'message' }),
    );

    const fetched = await store.appendToolCall(id, makeToolCall({ messageId: 'm-1', tool: 'fetch/get', step: 2 }));
    const answer = await store.appendMessage(id, makeMessage(id, { id: 'm-1', content: 'answer' }), {
      fenceTurn: 0,
      round: 0,
      consecutiveFailures: 0,
      inFlightMessageId: 'm-1',
    });
    // The message names the second call as the entry before it: the stream reads that call from the log first.
    await publish(id, answer?.entry);
    await publish(id, fetched);
    await publish(id, (await store.transition(id, { from: ['RUNNING'], to: 'COMPLETED' }))?.entry);

    expect((await everything).map(describeEvent)).toEqual([
      'tool_call:search/web_search',
      'tool_call:fetch/get',
      'message:answer',
      'status:COMPLETED',
    ]);
    expect((await messagesOnly).map(describeEvent)).toEqual(['message:answer']);
  });

  it('gets the final events committed while it opened, though they are published after it opened', async () => {
    const id = await running();
    const opening = await store.appendMessage(id, makeMessage(id, { content: 'opening' }));
    const late: LogEntry[] = [];
    // The log is read, then the last turn and the final status are committed, then the status is checked.
    const commitLate = async (): Promise<void> => {
      if (late.length > 0) return;
      const last = await store.appendMessage(id, makeMessage(id, { content: 'last' }), {
        fenceTurn: 0,
        round: 0,
        consecutiveFailures: 0,
      });
      const finished = await store.transition(id, { from: ['RUNNING'], to: 'COMPLETED' });
      if (!last || !finished) throw new Error('the write failed');
      late.push(last.entry, finished.entry);
    };
    // Whichever read checks the status, the late commits land just before it.
    const racingStore: DiscussionStore = {
      ...store,
      async get(discussionId) {
        await commitLate();
        return store.get(discussionId);
      },
      async access(discussionId) {
        await commitLate();
        return store.access(discussionId);
      },
    };
    const stream = await openDiscussionStream({ bus, store: racingStore }, id, { after: opening?.entry.cursor });
    for (const entry of late) await publish(id, entry);

    expect((await drain(stream)).map(describeEvent)).toEqual(['message:last', 'status:COMPLETED']);
  });

  it('without a cursor on an empty log, puts its first two entries back in order', async () => {
    const id = (await createDiscussion(store)).id;
    const stream = await openDiscussionStream({ bus, store }, id, {});
    const events = drain(stream);

    const started = await store.transition(id, { from: ['CREATED'], to: 'RUNNING' });
    const first = await store.appendMessage(id, makeMessage(id, { content: 'first' }));
    await publish(id, first?.entry);
    await publish(id, started?.entry);
    await publish(id, (await store.transition(id, { from: ['RUNNING'], to: 'STOPPED' }))?.entry);

    expect((await events).map(describeEvent)).toEqual(['status:RUNNING', 'message:first', 'status:STOPPED']);
  });

  it('without a cursor, starts at the newest entry and still gets a message that comes after the final status', async () => {
    const id = await running();
    await store.appendMessage(id, makeMessage(id, { content: 'before the subscription' }));
    const stream = await openDiscussionStream({ bus, store }, id, {});
    const events = drain(stream);

    const last = await store.appendMessage(id, makeMessage(id, { content: 'last' }));
    const finished = await store.transition(id, { from: ['RUNNING'], to: 'COMPLETED' });
    await publish(id, finished?.entry);
    await publish(id, last?.entry);

    expect((await events).map(describeEvent)).toEqual(['message:last', 'status:COMPLETED']);
  });
});

describe.each(MODES)('a discussion stream whose consumer falls behind ($mode)', ({ parts }) => {
  const { store, bus } = parts();
  const token = (discussionId: string, messageId: string, index: number, offset: number, delta: string): TokenEvent => ({
    type: 'token',
    discussionId,
    messageId,
    author: 'Ada',
    delta,
    index,
    offset,
  });

  /** Resolves once this process's listeners have been handed `event` (a second listener sees each event right after the stream's). */
  async function whenDelivered(discussionId: string, matches: (event: LiveEvent) => boolean): Promise<() => Promise<void>> {
    let seen: () => void = () => {};
    const delivered = new Promise<void>((resolve) => (seen = resolve));
    const unsubscribe = await bus.subscribe(discussionId, (event) => {
      if (matches(event)) seen();
    });
    return async () => {
      await delivered;
      unsubscribe();
    };
  }

  it('joins the waiting tokens of one message into one event, exact by offset, and keeps other messages apart', async () => {
    const id = (await createDiscussion(store, { status: 'RUNNING' })).id;
    const stream = await openDiscussionStream({ bus, store }, id, { capacity: 8 });
    const probe = await whenDelivered(id, (event) => event.type === 'token' && event.messageId === 'm-2');
    // Nobody reads while these arrive.
    const words = ['The ', 'quick ', 'brown ', 'fox'];
    let offset = 0;
    for (const [index, word] of words.entries()) {
      await bus.publish(id, token(id, 'm-1', index, offset, word));
      offset += word.length;
    }
    await bus.publish(id, token(id, 'm-2', 0, 0, 'Next'));
    await probe();

    const first = await stream.next();
    expect(first.value).toEqual(token(id, 'm-1', 0, 0, 'The quick brown fox'));
    expect((await stream.next()).value).toEqual(token(id, 'm-2', 0, 0, 'Next'));
    await stream.return?.();
  });

  it('queues only the events its consumer wants: the others neither count toward the capacity nor keep the end from arriving', async () => {
    const id = (await createDiscussion(store, { status: 'RUNNING' })).id;
    let overflows = 0;
    const stream = await openDiscussionStream({ bus, store }, id, {
      capacity: 2,
      wants: (event) => event.type === 'token',
      onOverflow: () => (overflows += 1),
    });
    const probe = await whenDelivered(id, (event) => event.type === 'status');
    // Nobody reads while a message's two tokens, five commits and the final status arrive.
    await bus.publish(id, token(id, 'm-1', 0, 0, 'Tabs'));
    await bus.publish(id, token(id, 'm-2', 0, 0, 'Spaces'));
    for (const content of ['one', 'two', 'three', 'four', 'five']) {
      const committed = await store.appendMessage(id, makeMessage(id, { content }));
      await bus.publish(id, { ...(committed?.entry ?? expect.fail('the write failed')), discussionId: id });
    }
    const finished = await store.transition(id, { from: ['RUNNING'], to: 'COMPLETED' });
    await bus.publish(id, { ...(finished?.entry ?? expect.fail('the transition failed')), discussionId: id });
    await probe();

    expect((await drain(stream)).map(describeEvent)).toEqual(['token:Tabs', 'token:Spaces']);
    expect(overflows).toBe(0);
  });

  it('replays a log many pages long to a reader that keeps up, without counting it against the capacity', async () => {
    const id = (await createDiscussion(store, { status: 'RUNNING' })).id;
    const contents = Array.from({ length: 1_200 }, (_, index) => `message ${index}`);
    for (const content of contents) await store.appendMessage(id, makeMessage(id, { content }));
    const stream = await openDiscussionStream({ bus, store }, id, { after: '0-0', capacity: 8 });
    const received: string[] = [];
    for await (const event of stream) {
      received.push(describeEvent(event));
      if (received.length === contents.length) break;
    }
    expect(received).toEqual(contents.map((content) => `message:${content}`));
  });

  it('past its capacity, drops what waits for one overflow event, says so at once, stops listening, and resumes from the log with no gap', async () => {
    const id = (await createDiscussion(store, { status: 'RUNNING' })).id;
    const seen = await store.appendMessage(id, makeMessage(id, { content: 'seen' }));
    let overflows = 0;
    const stream = await openDiscussionStream({ bus, store }, id, { after: '0-0', capacity: 3, onOverflow: () => (overflows += 1) });
    // The consumer reads the first message, then stops reading.
    const first = await stream.next();
    expect(first.done ? 'done' : describeEvent(first.value)).toBe('message:seen');
    const lastCursor = seen?.entry.cursor;

    const contents = ['one', 'two', 'three', 'four', 'five'];
    const probe = await whenDelivered(id, (event) => event.type === 'message' && event.message.content === 'five');
    for (const content of contents) {
      const committed = await store.appendMessage(id, makeMessage(id, { content }));
      await bus.publish(id, { ...(committed?.entry ?? expect.fail('the write failed')), discussionId: id });
    }
    await probe();

    expect(overflows).toBe(1);
    expect(bus.listenerCount(id)).toBe(0);
    expect((await drain(stream)).map(describeEvent)).toEqual(['overflow:3']);

    // Resuming after the last cursor it read gets every message it missed, once, in order.
    const resumed = await openDiscussionStream({ bus, store }, id, { after: lastCursor });
    const ended = drain(resumed);
    const finished = await store.transition(id, { from: ['RUNNING'], to: 'COMPLETED' });
    await bus.publish(id, { ...(finished?.entry ?? expect.fail('the transition failed')), discussionId: id });
    expect((await ended).map(describeEvent)).toEqual([...contents.map((content) => `message:${content}`), 'status:COMPLETED']);
  });
});
