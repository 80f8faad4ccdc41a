// The behaviour every DiscussionStore must have. Each implementation's test
// file runs this suite against its own store.

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscussionStatus } from '../../src/domain.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion, makeMessage, makeRecord, makeSelection } from './fixtures.js';
import { describeCountsContract } from './store-contract-counts.js';
import { describeLogContract } from './store-contract-log.js';
import { describeOwnerContract } from './store-contract-owners.js';
import { describeSpeakerContract } from './store-contract-speaker.js';
import { describeToolCallContract } from './store-contract-tool-calls.js';
import { describeProviderCallContract } from './store-contract-provider-calls.js';

export interface StoreUnderTest {
  store: DiscussionStore;
  cleanup(): Promise<void>;
}

export function describeStoreContract(name: string, makeStore: () => StoreUnderTest): void {
  describe(`${name}: DiscussionStore contract`, () => {
    let current: StoreUnderTest | undefined;
    const store = (): DiscussionStore => {
      if (current === undefined) throw new Error('store not ready');
      return current.store;
    };

    beforeEach(() => {
      current = makeStore();
    });
    afterEach(async () => {
      await current?.store.close();
      await current?.cleanup();
      current = undefined;
    });

    describeRecordContract(store);
    describeListContract(store);
    describeTransitionContract(store);
    describeAppendContract(store);
    describeLogContract(store);
    describeSpeakerContract(store);
    describeOwnerContract(store);
    describeCountsContract(store);
    describeToolCallContract(store);
    describeProviderCallContract(store);
  });
}

function describeRecordContract(store: () => DiscussionStore): void {
  describe('create, get and delete', () => {
    it('round-trips a record, optional fields absent staying absent', async () => {
      const record = await createDiscussion(store());
      const stored = await store().get(record.id);
      expect(stored).toStrictEqual(record);
      expect(stored && 'selector' in stored).toBe(false);
      expect(stored && 'stopReason' in stored).toBe(false);
      expect(stored?.usage).toStrictEqual({});
    });

    it('round-trips every optional field', async () => {
      const record = await createDiscussion(store(), {
        protocol: 'OPEN',
        selector: { provider: 'ANTHROPIC', model: 'claude-test' },
        termination: { maxMessages: 20, maxTotalTokens: 5000, stopPhrases: ['we agree', 'the end'] },
        status: 'FAILED',
        turn: 7,
        currentRound: 3,
        messageCount: 9,
        usage: { inputTokens: 120, outputTokens: 45 },
        agentUsage: { Ada: { inputTokens: 100, outputTokens: 45 }, Grace: { inputTokens: 20 } },
        consecutiveFailures: 3,
        stopReason: 'consecutive_failures',
        error: 'ProviderError: rate limited',
        startedAt: '2025-03-01T10:00:01.000Z',
        finishedAt: '2025-03-01T10:05:00.000Z',
        nextSpeaker: 'Grace',
      });
      expect(await store().get(record.id)).toStrictEqual(record);
    });

    it('returns undefined for a missing id', async () => {
      expect(await store().get(randomUUID())).toBeUndefined();
    });

    it('reads the owner and status alone, and nothing for a missing id', async () => {
      const record = await createDiscussion(store(), { owner: 'grace', status: 'RUNNING' });
      expect(await store().access(record.id)).toStrictEqual({ owner: 'grace', status: 'RUNNING' });
      await store().transition(record.id, { from: ['RUNNING'], to: 'COMPLETED' });
      expect(await store().access(record.id)).toStrictEqual({ owner: 'grace', status: 'COMPLETED' });
      expect(await store().access(randomUUID())).toBeUndefined();
      await store().delete(record.id);
      expect(await store().access(record.id)).toBeUndefined();
    });

    it('refuses to create the same id twice', async () => {
      const record = await createDiscussion(store());
      await expect(store().create({ ...record, topic: 'another' })).rejects.toThrow();
      expect((await store().get(record.id))?.topic).toBe(record.topic);
    });

    it('keeps its state apart from the objects it is given and returns', async () => {
      const record = makeRecord();
      await store().create(record);
      record.topic = 'changed by the caller';
      const [, bob] = record.agents;
      if (bob === undefined) throw new Error('the record has no second agent');
      record.agents[0] = { ...bob, name: 'Mallory' };
      const first = await store().get(record.id);
      if (first === undefined) throw new Error('missing');
      first.usage.inputTokens = 99;
      first.humans.push({ name: 'Eve', speaksInTurn: false, waitSeconds: 1 });
      const second = await store().get(record.id);
      expect(second?.topic).toBe('Tabs or spaces?');
      expect(second?.agents[0]?.name).toBe('Ada');
      expect(second?.usage).toStrictEqual({});
      expect(second?.humans).toHaveLength(1);
    });

    it('deletes everything of a discussion', async () => {
      const record = await createDiscussion(store());
      await store().appendMessage(record.id, makeMessage(record.id));
      await store().transition(record.id, { from: ['CREATED'], to: 'RUNNING' });
      await store().beginInFlight(record.id, { messageId: 'm1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:02:00.000Z' });
      await store().appendInFlight(record.id, 'partial', 'm1');

      expect(await store().delete(record.id)).toBe(true);
      expect(await store().get(record.id)).toBeUndefined();
      expect(await store().readLog(record.id, { limit: 10 })).toEqual([]);
      expect(await store().readMessages(record.id, { limit: 10, direction: 'forward' })).toEqual({ items: [], hasMore: false });
      expect(await store().getInFlight(record.id)).toBeUndefined();
      expect((await store().list(record.owner, { first: 10 })).items).toEqual([]);
      expect(await store().delete(record.id)).toBe(false);

      // The id can be used again and starts from nothing.
      await store().create(record);
      expect(await store().get(record.id)).toStrictEqual(record);
      expect(await store().readLog(record.id, { limit: 10 })).toEqual([]);
    });

    it('reports false when deleting a missing discussion', async () => {
      expect(await store().delete(randomUUID())).toBe(false);
    });
  });
}

function describeListContract(store: () => DiscussionStore): void {
  describe('list', () => {
    const readAll = async (owner: string, first: number, status?: DiscussionStatus): Promise<string[]> => {
      const ids: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store().list(owner, { first, after, status });
        ids.push(...page.items.map((record) => record.id));
        const last = page.items.at(-1);
        if (!page.hasMore || last === undefined) return ids;
        after = last.id;
      }
    };

    it('lists newest first, pages with `after`, and orders equal creation times by id', async () => {
      const owner = `owner-${randomUUID()}`;
      const times = ['2025-01-03', '2025-01-01', '2025-01-05', '2025-01-02', '2025-01-04'];
      const records = await Promise.all(
        times.map((day, index) => createDiscussion(store(), { id: `d${index}-${randomUUID()}`, owner, createdAt: `${day}T00:00:00.000Z` })),
      );
      const tieBase = randomUUID();
      await createDiscussion(store(), { id: `${tieBase}-a`, owner, createdAt: '2025-01-04T00:00:00.000Z' });
      await createDiscussion(store(), { id: `${tieBase}-b`, owner, createdAt: '2025-01-04T00:00:00.000Z' });
      const byDay = (day: string): string => records[times.indexOf(day)]?.id ?? 'missing';
      const ties = [byDay('2025-01-04'), `${tieBase}-a`, `${tieBase}-b`].sort().reverse();
      const expected = [byDay('2025-01-05'), ...ties, byDay('2025-01-03'), byDay('2025-01-02'), byDay('2025-01-01')];

      const firstPage = await store().list(owner, { first: 2 });
      expect(firstPage.items.map((record) => record.id)).toEqual(expected.slice(0, 2));
      expect(firstPage.hasMore).toBe(true);
      expect(firstPage.items[0]).toStrictEqual(records[2]);

      expect(await readAll(owner, 2)).toEqual(expected);
      expect(await readAll(owner, 3)).toEqual(expected);
      expect(await readAll(owner, 7)).toEqual(expected);
      const whole = await store().list(owner, { first: 7 });
      expect(whole.hasMore).toBe(false);
      const zero = await store().list(owner, { first: 0 });
      expect(zero).toEqual({ items: [], hasMore: true });
    });

    it('filters by status, scanning past many non-matching discussions', async () => {
      const owner = `owner-${randomUUID()}`;
      const total = 130;
      const base = Date.parse('2025-02-01T00:00:00.000Z');
      // Position 0 is the newest.
      const completedPositions = new Set([3, 70, 125]);
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: total }, (_, position) => {
          const id = `${String(position).padStart(3, '0')}-${randomUUID()}`;
          ids.push(id);
          return createDiscussion(store(), {
            id,
            owner,
            createdAt: new Date(base - position * 60_000).toISOString(),
            status: completedPositions.has(position) ? 'COMPLETED' : 'RUNNING',
          });
        }),
      );
      const expected = [...completedPositions].map((position) => ids.find((id) => id.startsWith(String(position).padStart(3, '0'))));

      const firstPage = await store().list(owner, { first: 2, status: 'COMPLETED' });
      expect(firstPage.items.map((record) => record.id)).toEqual(expected.slice(0, 2));
      expect(firstPage.items.every((record) => record.status === 'COMPLETED')).toBe(true);
      expect(firstPage.hasMore).toBe(true);
      const secondPage = await store().list(owner, { first: 2, status: 'COMPLETED', after: firstPage.items[1]?.id });
      expect(secondPage.items.map((record) => record.id)).toEqual(expected.slice(2));
      expect(secondPage.hasMore).toBe(false);

      expect(await store().list(owner, { first: 5, status: 'FAILED' })).toEqual({ items: [], hasMore: false });
      expect(await readAll(owner, 40)).toHaveLength(total);
    });

    it('keeps owners apart', async () => {
      const alice = `alice-${randomUUID()}`;
      const bob = `bob-${randomUUID()}`;
      const aliceRecord = await createDiscussion(store(), { owner: alice });
      const bobRecord = await createDiscussion(store(), { owner: bob });
      expect((await store().list(alice, { first: 10 })).items.map((record) => record.id)).toEqual([aliceRecord.id]);
      expect((await store().list(bob, { first: 10 })).items.map((record) => record.id)).toEqual([bobRecord.id]);
      expect(await store().list(`nobody-${randomUUID()}`, { first: 10 })).toEqual({ items: [], hasMore: false });
    });

    it('returns an empty page after an id that is not in the index', async () => {
      const record = await createDiscussion(store());
      expect(await store().list(record.owner, { first: 10, after: randomUUID() })).toEqual({ items: [], hasMore: false });
    });

    it('shows the current state of each discussion', async () => {
      const record = await createDiscussion(store());
      await store().transition(record.id, { from: ['CREATED'], to: 'RUNNING' });
      const page = await store().list(record.owner, { first: 1 });
      expect(page.items[0]?.status).toBe('RUNNING');
      expect(await store().list(record.owner, { first: 1, status: 'CREATED' })).toEqual({ items: [], hasMore: false });
    });
  });
}

function describeTransitionContract(store: () => DiscussionStore): void {
  describe('transition', () => {
    it('sets the status and the patch and logs a status entry when the status is allowed', async () => {
      const record = await createDiscussion(store());
      const result = await store().transition(record.id, {
        from: ['CREATED', 'PAUSED'],
        to: 'RUNNING',
        patch: { startedAt: '2025-03-01T10:00:05.000Z' },
      });
      expect(result?.record).toStrictEqual({ ...record, status: 'RUNNING', startedAt: '2025-03-01T10:00:05.000Z' });
      expect(result?.entry.type).toBe('status');
      expect(result?.entry.change.status).toBe('RUNNING');
      expect(Number.isNaN(Date.parse(result?.entry.change.at ?? ''))).toBe(false);
      expect(result?.entry.change).not.toHaveProperty('stopReason');
      expect(await store().get(record.id)).toStrictEqual(result?.record);
      expect(await store().readLog(record.id, { limit: 10 })).toStrictEqual([result?.entry]);
    });

    it('carries the stop reason and error in the status entry and leaves unpatched fields alone', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING', startedAt: '2025-03-01T10:00:05.000Z' });
      const result = await store().transition(record.id, {
        from: ['RUNNING'],
        to: 'FAILED',
        patch: {
          stopReason: 'consecutive_failures',
          error: 'three failed turns',
          finishedAt: '2025-03-01T10:09:00.000Z',
          startedAt: undefined,
        },
      });
      expect(result?.entry.change).toMatchObject({ status: 'FAILED', stopReason: 'consecutive_failures', error: 'three failed turns' });
      expect(result?.record).toStrictEqual({
        ...record,
        status: 'FAILED',
        stopReason: 'consecutive_failures',
        error: 'three failed turns',
        finishedAt: '2025-03-01T10:09:00.000Z',
      });
    });

    it('changes nothing when the status is not allowed', async () => {
      const record = await createDiscussion(store());
      const result = await store().transition(record.id, {
        from: ['RUNNING', 'PAUSED'],
        to: 'COMPLETED',
        patch: { stopReason: 'max_rounds' },
      });
      expect(result).toBeUndefined();
      expect(await store().get(record.id)).toStrictEqual(record);
      expect(await store().readLog(record.id, { limit: 10 })).toEqual([]);
    });

    it('returns undefined for a missing discussion', async () => {
      expect(await store().transition(randomUUID(), { from: ['CREATED'], to: 'RUNNING' })).toBeUndefined();
    });

    it('with whenIdle, changes nothing while a message is in flight, and changes once none is', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      await store().beginInFlight(record.id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });
      const stop = { from: ['RUNNING' as const], to: 'STOPPED' as const, whenIdle: true };
      expect(await store().transition(record.id, stop)).toBeUndefined();
      expect((await store().get(record.id))?.status).toBe('RUNNING');
      expect(await store().readLog(record.id, { limit: 10 })).toEqual([]);

      await store().clearInFlight(record.id, 'm-1');
      expect((await store().transition(record.id, stop))?.record.status).toBe('STOPPED');
    });

    it('without whenIdle, changes the status while a message is in flight', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      await store().beginInFlight(record.id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });
      expect((await store().transition(record.id, { from: ['RUNNING'], to: 'PAUSED' }))?.record.status).toBe('PAUSED');
    });

    it('lets exactly one of several racing transitions from the same status land', async () => {
      const record = await createDiscussion(store());
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store().transition(record.id, { from: ['CREATED'], to: 'RUNNING' })),
      );
      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
      expect(await store().readLog(record.id, { limit: 20 })).toHaveLength(1);
    });
  });
}

function describeAppendContract(store: () => DiscussionStore): void {
  describe('appendMessage', () => {
    it('appends an injected message without moving the turn', async () => {
      const record = await createDiscussion(store(), { turn: 2, currentRound: 1 });
      const message = makeMessage(record.id, { author: 'Lin', role: 'HUMAN', content: 'What about tabs?' });
      const committed = await store().appendMessage(record.id, message);
      expect(committed?.entry).toStrictEqual({ type: 'message', cursor: committed?.entry.cursor, message });
      expect(committed?.record).toStrictEqual({ ...record, messageCount: 1 });
      expect(await store().get(record.id)).toStrictEqual(committed?.record);
      expect(await store().readLog(record.id, { limit: 10 })).toStrictEqual([committed?.entry]);
    });

    it('round-trips every field of a message', async () => {
      const record = await createDiscussion(store());
      const message = makeMessage(record.id, {
        provider: 'ANTHROPIC',
        model: 'claude-test',
        usage: { inputTokens: 12, outputTokens: 34 },
        finishReason: 'length',
        timeToFirstTokenMs: 120,
        durationMs: 900,
        round: 2,
        turn: 5,
      });
      const committed = await store().appendMessage(record.id, message);
      const [entry] = await store().readLog(record.id, { limit: 1 });
      expect(entry).toStrictEqual({ type: 'message', cursor: committed?.entry.cursor, message });
    });

    it('sums usage, leaving counts never reported undefined', async () => {
      const record = await createDiscussion(store());
      await store().appendMessage(record.id, makeMessage(record.id, { usage: { inputTokens: 10 } }));
      await store().appendMessage(record.id, makeMessage(record.id, { usage: { inputTokens: 5, outputTokens: undefined } }));
      await store().appendMessage(record.id, makeMessage(record.id, { author: 'Lin', role: 'HUMAN' }));
      const afterInput = await store().get(record.id);
      expect(afterInput?.messageCount).toBe(3);
      expect(afterInput?.usage).toStrictEqual({ inputTokens: 15 });
      expect(afterInput?.agentUsage).toStrictEqual({ Ada: { inputTokens: 15 } });

      const committed = await store().appendMessage(record.id, makeMessage(record.id, { author: 'Grace', usage: { outputTokens: 7 } }));
      expect(committed?.record.usage).toStrictEqual({ inputTokens: 15, outputTokens: 7 });
      expect(committed?.record.agentUsage).toStrictEqual({ Ada: { inputTokens: 15 }, Grace: { outputTokens: 7 } });
      expect(await store().get(record.id)).toStrictEqual(committed?.record);
    });

    it('commits a turn: advances turn, round and failures and clears the in-flight message', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING', turn: 4, currentRound: 1, consecutiveFailures: 2 });
      await store().beginInFlight(record.id, { messageId: 'm-5', author: 'Ada', round: 2, turn: 4, startedAt: '2025-03-01T10:03:00.000Z' });
      await store().appendInFlight(record.id, 'Spaces', 'm-5');
      const message = makeMessage(record.id, { id: 'm-5', turn: 4, round: 2, usage: { inputTokens: 3, outputTokens: 4 } });
      const committed = await store().appendMessage(record.id, message, { fenceTurn: 4, round: 2, consecutiveFailures: 0 });
      expect(committed?.record).toStrictEqual({
        ...record,
        turn: 5,
        currentRound: 2,
        consecutiveFailures: 0,
        messageCount: 1,
        usage: { inputTokens: 3, outputTokens: 4 },
        agentUsage: { Ada: { inputTokens: 3, outputTokens: 4 } },
      });
      expect(await store().get(record.id)).toStrictEqual(committed?.record);
      expect(await store().getInFlight(record.id)).toBeUndefined();
    });

    it('writes nothing when the fence fails', async () => {
      const record = await createDiscussion(store());
      const commit = { fenceTurn: 0, round: 0, consecutiveFailures: 0 };
      expect(await store().appendMessage(record.id, makeMessage(record.id, { usage: { inputTokens: 1 } }), commit)).toBeDefined();
      const before = await store().get(record.id);
      await store().beginInFlight(record.id, {
        messageId: 'm-2',
        author: 'Grace',
        round: 0,
        turn: 1,
        startedAt: '2025-03-01T10:03:00.000Z',
      });

      const duplicate = await store().appendMessage(record.id, makeMessage(record.id, { usage: { inputTokens: 1 } }), commit);
      expect(duplicate).toBeUndefined();
      expect(await store().get(record.id)).toStrictEqual(before);
      expect(await store().readLog(record.id, { limit: 10 })).toHaveLength(1);
      expect((await store().getInFlight(record.id))?.messageId).toBe('m-2');
      const ahead = await store().appendMessage(record.id, makeMessage(record.id), { fenceTurn: 5, round: 0, consecutiveFailures: 0 });
      expect(ahead).toBeUndefined();
    });

    it('commits an attempt only while its message is the one in flight', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      const inFlight = { author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' };
      await store().beginInFlight(record.id, { ...inFlight, messageId: 'dead' });
      await store().appendInFlight(record.id, 'half a sentence', 'dead');
      // Another worker takes the turn over: the first attempt must not commit any more.
      await store().beginInFlight(record.id, { ...inFlight, messageId: 'taken-over' });
      const commit = { fenceTurn: 0, round: 0, consecutiveFailures: 0 };
      expect(
        await store().appendMessage(record.id, makeMessage(record.id, { id: 'dead' }), { ...commit, inFlightMessageId: 'dead' }),
      ).toBeUndefined();
      expect(await store().readLog(record.id, { limit: 10 })).toEqual([]);
      expect((await store().getInFlight(record.id))?.messageId).toBe('taken-over');

      const landed = await store().appendMessage(record.id, makeMessage(record.id, { id: 'taken-over' }), {
        ...commit,
        inFlightMessageId: 'taken-over',
      });
      expect(landed?.record.turn).toBe(1);
      expect(await store().getInFlight(record.id)).toBeUndefined();
    });

    it.each(['STOPPED', 'COMPLETED', 'FAILED'] as const)(
      'commits no turn once the discussion is %s, nor begins one, though the turn and in-flight message fit',
      async (ended) => {
        const record = await createDiscussion(store(), { status: 'RUNNING' });
        const inFlight = { messageId: 'late', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' };
        await store().beginInFlight(record.id, inFlight);
        await store().transition(record.id, { from: ['RUNNING'], to: ended });
        const before = await store().get(record.id);

        const commit = { fenceTurn: 0, round: 0, consecutiveFailures: 0, inFlightMessageId: 'late' };
        expect(
          await store().appendMessage(record.id, makeMessage(record.id, { id: 'late', usage: { outputTokens: 2 } }), commit),
        ).toBeUndefined();
        expect(await store().beginInFlight(record.id, { ...inFlight, messageId: 'later' })).toBeUndefined();
        expect(await store().appendSelection(record.id, makeSelection())).toBeUndefined();
        expect(await store().get(record.id)).toStrictEqual(before);
        expect((await store().readLog(record.id, { limit: 10 })).map((entry) => entry.type)).toEqual(['status']);
        expect((await store().getInFlight(record.id))?.messageId).toBe('late');
      },
    );

    it('lets exactly one of ten racing commits with the same fence land', async () => {
      const record = await createDiscussion(store(), { turn: 3 });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          store().appendMessage(record.id, makeMessage(record.id, { content: `attempt ${index}`, usage: { outputTokens: 10 } }), {
            fenceTurn: 3,
            round: 1,
            consecutiveFailures: 0,
          }),
        ),
      );
      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
      const stored = await store().get(record.id);
      expect(stored).toMatchObject({ turn: 4, currentRound: 1, messageCount: 1, usage: { outputTokens: 10 } });
      expect(await store().readLog(record.id, { limit: 20 })).toHaveLength(1);
    });

    it('returns undefined for a missing discussion', async () => {
      const id = randomUUID();
      expect(await store().appendMessage(id, makeMessage(id))).toBeUndefined();
      expect(await store().appendMessage(id, makeMessage(id), { fenceTurn: 0, round: 0, consecutiveFailures: 0 })).toBeUndefined();
      expect(await store().readLog(id, { limit: 10 })).toEqual([]);
    });

    it('keeps the stored message apart from the object given', async () => {
      const record = await createDiscussion(store());
      const message = makeMessage(record.id, { usage: { inputTokens: 1 } });
      const committed = await store().appendMessage(record.id, message);
      message.content = 'changed';
      if (committed !== undefined) committed.entry.message.content = 'changed too';
      const [entry] = await store().readLog(record.id, { limit: 1 });
      expect(entry?.type === 'message' && entry.message.content).toBe('Spaces, obviously.');
    });
  });
}
