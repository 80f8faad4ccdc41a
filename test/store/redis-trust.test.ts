// What comes back from Redis is parsed before it is trusted. Corrupt or foreign
// entries are written straight into Redis (XADD, HSET, PUBLISH), as another
// program or a bad deploy could: each is logged and skipped, and the good
// entries around it still come through.

import { randomUUID } from 'node:crypto';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createEventBus } from '../../src/events/bus.js';
import type { CancelTurnCommand, LiveEvent, TokenEvent } from '../../src/events/types.js';
import { createRedisKeys, createRedisStore } from '../../src/store/redis-store.js';
import { deleteKeys, TEST_REDIS_URL } from '../support/app.js';
import { createDiscussion, expectTwoMessagesAmongOtherEntries, inject, makeMessage } from './fixtures.js';
import { makeToolCall } from './store-contract-tool-calls.js';

const keyPrefix = `test:${randomUUID()}:`;
const keys = createRedisKeys(keyPrefix);
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const pubsub = new RedisPubSub({
  publisher: new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }),
  subscriber: new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }),
});

const warningSchema = z.object({
  msg: z.string(),
  discussionId: z.string().optional(),
  cursor: z.string().optional(),
  issues: z.unknown().optional(),
});
/** Every warning the store and the bus log. */
const warnings: z.output<typeof warningSchema>[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(warningSchema.parse(JSON.parse(line))) });

const store = createRedisStore({ redis, keyPrefix, logger });
const bus = createEventBus({ pubsub, channelPrefix: keyPrefix, logger });

beforeEach(() => {
  warnings.length = 0;
});

afterAll(async () => {
  await deleteKeys(TEST_REDIS_URL, keyPrefix);
  await pubsub.close();
  await redis.quit();
});

/** Appends a raw stream entry to the discussion's log, as no store would write it. */
async function addRawEntry(discussionId: string, type: string, data: string): Promise<string> {
  const cursor = await redis.xadd(keys.log(discussionId), '*', 'type', type, 'data', data);
  if (cursor === null) throw new Error('XADD refused');
  return cursor;
}

const CORRUPT_ENTRIES: [type: string, data: string][] = [
  ['message', '{"id": "cut off'],
  ['vote', JSON.stringify({ for: 'Ada' })],
  ['status', JSON.stringify({ status: 'EXPLODED', at: '2025-03-01T10:03:00.000Z' })],
  ['message', JSON.stringify({ ...makeMessage('elsewhere'), role: 'ROBOT' })],
  ['tool_call', JSON.stringify({ ...makeToolCall(), isError: 'maybe' })],
  ['message', JSON.stringify(makeMessage('elsewhere', { toolCalls: [{ ...makeToolCall(), step: -1 }] }))],
];

describe('redis store: stored values that do not parse', () => {
  it('skips log entries with bad JSON, a foreign type or the wrong shape, and reads on past them', async () => {
    const record = await createDiscussion(store);
    const first = await inject(store, record.id, 'first');
    const corrupt: string[] = [];
    for (const [type, data] of CORRUPT_ENTRIES) corrupt.push(await addRawEntry(record.id, type, data));
    const second = await inject(store, record.id, 'second');

    const log = await store.readLog(record.id, { limit: 10 });
    expect(log.map((entry) => entry.cursor)).toEqual([first, second]);
    expect(warnings.map(({ discussionId, cursor }) => ({ discussionId, cursor }))).toEqual(
      corrupt.map((cursor) => ({ discussionId: record.id, cursor })),
    );
    expect(warnings[0]?.msg).toMatch(/log entry does not parse/);
  });

  it('fills a page past skipped entries, so only the end of the log gives a short page', async () => {
    const record = await createDiscussion(store);
    const first = await inject(store, record.id, 'first');
    for (let index = 0; index < 3; index += 1) await addRawEntry(record.id, 'message', 'not json');
    const second = await inject(store, record.id, 'second');
    const third = await inject(store, record.id, 'third');

    expect((await store.readLog(record.id, { limit: 2 })).map((entry) => entry.cursor)).toEqual([first, second]);
    expect((await store.readLog(record.id, { after: second, limit: 2 })).map((entry) => entry.cursor)).toEqual([third]);
  });

  it('pages messages over long runs of corrupt entries as over any other entries', async () => {
    const record = await createDiscussion(store);
    const run = async () => {
      for (let index = 0; index < 40; index += 1) await addRawEntry(record.id, 'message', `{"broken": ${index}`);
    };
    await run();
    const first = await inject(store, record.id, 'first');
    await run();
    const second = await inject(store, record.id, 'second');
    await run();
    await expectTwoMessagesAmongOtherEntries(store, record.id, first, second);
  });

  it.each([
    ['status', 'EXPLODED'],
    ['config', '{"topic": "cut off'],
    ['config', JSON.stringify({ topic: 'no agents' })],
    ['turn', '-1'],
    ['in:Ada', 'lots'],
    ['stopReason', 'bored'],
    ['createdAt', 'yesterday'],
  ])('reads a discussion whose %s is %j as missing, and lists the others', async (field, value) => {
    const owner = `owner-${randomUUID()}`;
    const good = await createDiscussion(store, { owner, createdAt: '2025-03-01T10:00:00.000Z' });
    const bad = await createDiscussion(store, { owner, createdAt: '2025-03-02T10:00:00.000Z' });
    await redis.hset(keys.discussion(bad.id), field, value);

    expect(await store.get(bad.id)).toBeUndefined();
    expect(await store.get(good.id)).toStrictEqual(good);
    expect((await store.list(owner, { first: 10 })).items.map((item) => item.id)).toEqual([good.id]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((warning) => warning.discussionId === bad.id && /discussion does not parse/.test(warning.msg))).toBe(true);
    expect(JSON.stringify(warnings[0]?.issues)).toContain(field);
  });

  it('reads the access of a discussion whose status does not parse as missing, and logs it', async () => {
    const record = await createDiscussion(store);
    await redis.hset(keys.discussion(record.id), 'status', 'EXPLODED');

    expect(await store.access(record.id)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.discussionId).toBe(record.id);
    expect(warnings[0]?.msg).toMatch(/owner or status does not parse/);
  });

  it('reads an in-flight message whose hash does not parse as none, and begins the next one', async () => {
    const record = await createDiscussion(store);
    const inFlight = { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:02:00.000Z' };
    expect(await store.beginInFlight(record.id, inFlight)).toEqual({});
    await redis.hset(keys.inFlight(record.id), 'turn', 'soon');

    expect(await store.getInFlight(record.id)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.discussionId).toBe(record.id);
    expect(warnings[0]?.msg).toMatch(/in-flight message does not parse/);

    // The corrupt one's turn is unknown: it is replaced without being reported as a restart of this turn.
    expect(await store.beginInFlight(record.id, { ...inFlight, messageId: 'm-2' })).toEqual({});
    await store.appendInFlight(record.id, 'Hello', 'm-2');
    expect(await store.getInFlight(record.id)).toStrictEqual({ ...inFlight, messageId: 'm-2', text: 'Hello' });
  });

  it.each([
    { field: 'not json', handedOn: false },
    { field: JSON.stringify([{ tool: 'search/web_search' }]), handedOn: true },
    { field: JSON.stringify({ calls: [] }), handedOn: false },
  ])(
    'reads an in-flight message whose toolCalls field is $field without its calls, logged, and the next attempt reads its own',
    async ({ field, handedOn }) => {
      const record = await createDiscussion(store, { status: 'RUNNING' });
      const inFlight = { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:02:00.000Z' };
      await store.beginInFlight(record.id, inFlight);
      await store.appendToolCall(record.id, makeToolCall());
      await store.appendInFlight(record.id, 'Spaces', 'm-1');
      await redis.hset(keys.inFlight(record.id), 'toolCalls', field);

      expect(await store.getInFlight(record.id)).toStrictEqual({ ...inFlight, text: 'Spaces' });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.discussionId).toBe(record.id);
      expect(warnings[0]?.msg).toMatch(/tool calls do not parse/);

      // The restart is still announced (its message and turn are known); its calls are made again.
      expect(await store.beginInFlight(record.id, { ...inFlight, messageId: 'm-2' })).toStrictEqual({
        replaced: { messageId: 'm-1', turn: 0 },
      });
      expect(warnings).toHaveLength(2);
      const next = makeToolCall({ messageId: 'm-2' });
      expect(await store.appendToolCall(record.id, next)).toBeDefined();
      // A list that is JSON is handed on as it is (Redis does not check each call): read, it still loses only its calls.
      expect(await store.getInFlight(record.id)).toStrictEqual(
        handedOn ? { ...inFlight, messageId: 'm-2', text: '' } : { ...inFlight, messageId: 'm-2', text: '', toolCalls: [next] },
      );
      expect(warnings).toHaveLength(handedOn ? 3 : 2);
    },
  );
});

describe('event bus over Redis pub/sub: payloads that are not ours', () => {
  const tokenEvent = (discussionId: string, index: number): TokenEvent => ({
    type: 'token',
    discussionId,
    messageId: 'm-1',
    author: 'Ada',
    delta: `delta ${index}`,
    index,
    offset: index * 7,
  });

  it('drops foreign payloads on a discussion channel and still delivers the events around them', async () => {
    const discussionId = randomUUID();
    const received: LiveEvent[] = [];
    const unsubscribe = await bus.subscribe(discussionId, (event) => received.push(event));
    const channel = `${keyPrefix}disc:{${discussionId}}:events`;

    await bus.publish(discussionId, tokenEvent(discussionId, 0));
    await redis.publish(channel, 'not json at all');
    await redis.publish(channel, JSON.stringify({ type: 'token', discussionId }));
    await redis.publish(channel, JSON.stringify(tokenEvent(randomUUID(), 1)));
    await redis.publish(
      channel,
      JSON.stringify({ type: 'message', discussionId, cursor: '1-0', message: { ...makeMessage(discussionId), turn: 'soon' } }),
    );
    await bus.publish(discussionId, tokenEvent(discussionId, 1));
    await bus.publish(discussionId, { type: 'deleted', discussionId });

    await vi.waitFor(() => expect(received.at(-1)?.type).toBe('deleted'));
    unsubscribe();
    expect(received).toStrictEqual([tokenEvent(discussionId, 0), tokenEvent(discussionId, 1), { type: 'deleted', discussionId }]);
    expect(warnings).toHaveLength(4);
    expect(warnings.every((warning) => warning.discussionId === discussionId)).toBe(true);
  });

  it('delivers tool calls and messages that carry them, and drops a tool call of the wrong shape', async () => {
    const discussionId = randomUUID();
    const received: LiveEvent[] = [];
    const unsubscribe = await bus.subscribe(discussionId, (event) => received.push(event));
    const toolCall = makeToolCall({ reused: true });
    const good: LiveEvent[] = [
      { type: 'tool_call', discussionId, cursor: '1-0', toolCall },
      {
        type: 'message',
        discussionId,
        cursor: '2-0',
        previousCursor: '1-0',
        message: makeMessage(discussionId, { toolCalls: [toolCall] }),
      },
      { type: 'deleted', discussionId },
    ];
    const [call, message, deleted] = good;
    if (call === undefined || message === undefined || deleted === undefined) throw new Error('events missing');

    await bus.publish(discussionId, call);
    await redis.publish(
      `${keyPrefix}disc:{${discussionId}}:events`,
      JSON.stringify({ type: 'tool_call', discussionId, cursor: '1-1', toolCall: { ...toolCall, durationMs: 'long' } }),
    );
    await bus.publish(discussionId, message);
    await bus.publish(discussionId, deleted);

    await vi.waitFor(() => expect(received.at(-1)?.type).toBe('deleted'));
    unsubscribe();
    expect(received).toStrictEqual(good);
    expect(warnings).toHaveLength(1);
  });

  it('drops a command that does not parse and still acts on the next one', async () => {
    const received: CancelTurnCommand[] = [];
    const stop = await bus.onCommand((command) => received.push(command));
    const discussionId = randomUUID();

    await redis.publish(`${keyPrefix}commands`, JSON.stringify({ type: 'cancel_turn', discussionId, reason: 'explode' }));
    await redis.publish(`${keyPrefix}commands`, JSON.stringify({ type: 'shutdown_everything' }));
    await bus.sendCommand({ type: 'cancel_turn', discussionId, reason: 'stop' });

    await vi.waitFor(() => expect(received).toHaveLength(1));
    stop();
    expect(received).toStrictEqual([{ type: 'cancel_turn', discussionId, reason: 'stop' }]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.msg).toMatch(/not a command/);
  });
});
