// The next-speaker half of the store contract: patches that remove fields,
// `nextSpeaker` through transitions and commits, and speaker selections in the log.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion, expectTwoMessagesAmongOtherEntries, inject, makeMessage, makeSelection, toggleStatus } from './fixtures.js';

/** Appends a selection and returns its cursor. */
async function select(store: DiscussionStore, discussionId: string, speaker: string): Promise<string> {
  const entry = await store.appendSelection(discussionId, makeSelection({ speaker }));
  if (entry === undefined) throw new Error('selection failed');
  return entry.cursor;
}

export function describeSpeakerContract(store: () => DiscussionStore): void {
  describe('listActive', () => {
    it('lists the discussions that have begun and not ended, through their transitions', async () => {
      const created = await createDiscussion(store());
      const running = await createDiscussion(store());
      const paused = await createDiscussion(store());
      const finished = await createDiscussion(store());
      for (const record of [running, paused, finished]) await store().transition(record.id, { from: ['CREATED'], to: 'RUNNING' });
      await store().transition(paused.id, { from: ['RUNNING'], to: 'PAUSED' });
      await store().transition(finished.id, { from: ['RUNNING'], to: 'COMPLETED' });
      const active = await store().listActive();
      expect(active).toEqual(expect.arrayContaining([running.id, paused.id]));
      expect(active).not.toContain(created.id);
      expect(active).not.toContain(finished.id);
      await store().delete(running.id);
      expect(await store().listActive()).not.toContain(running.id);
    });
  });

  describe('transition patches', () => {
    it('removes a field patched with null and leaves one patched with undefined', async () => {
      const record = await createDiscussion(store(), {
        status: 'FAILED',
        stopReason: 'consecutive_failures',
        error: 'three failed turns',
        startedAt: '2025-03-01T10:00:05.000Z',
        finishedAt: '2025-03-01T10:09:00.000Z',
        nextSpeaker: 'Ada',
      });
      const result = await store().transition(record.id, {
        from: ['FAILED'],
        to: 'RUNNING',
        patch: { stopReason: null, error: null, finishedAt: null, startedAt: undefined, nextSpeaker: undefined },
      });
      const { stopReason: _stopReason, error: _error, finishedAt: _finishedAt, ...kept } = record;
      expect(result?.record).toStrictEqual({ ...kept, status: 'RUNNING' });
      expect(await store().get(record.id)).toStrictEqual(result?.record);
      // A removed reason is no reason: the status entry carries none.
      expect(result?.entry.change).not.toHaveProperty('stopReason');
      expect(result?.entry.change).not.toHaveProperty('error');
      expect(await store().readLog(record.id, { limit: 10 })).toStrictEqual([result?.entry]);
    });

    it('accepts null for a field that is not set, and sets and removes in one patch', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING', startedAt: '2025-03-01T10:00:05.000Z' });
      const result = await store().transition(record.id, {
        from: ['RUNNING'],
        to: 'COMPLETED',
        patch: { stopReason: 'max_rounds', finishedAt: '2025-03-01T10:09:00.000Z', error: null, nextSpeaker: null },
      });
      expect(result?.record).toStrictEqual({
        ...record,
        status: 'COMPLETED',
        stopReason: 'max_rounds',
        finishedAt: '2025-03-01T10:09:00.000Z',
      });
      expect(result?.entry.change).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds' });
      expect(result?.entry.change).not.toHaveProperty('error');
    });

    it('leaves a field alone when the status is not allowed, even when patched with null', async () => {
      const record = await createDiscussion(store(), { nextSpeaker: 'Lin' });
      expect(await store().transition(record.id, { from: ['RUNNING'], to: 'PAUSED', patch: { nextSpeaker: null } })).toBeUndefined();
      expect(await store().get(record.id)).toStrictEqual(record);
    });
  });

  describe('nextSpeaker', () => {
    it('round-trips through transitions', async () => {
      const record = await createDiscussion(store());
      const waiting = await store().transition(record.id, { from: ['CREATED'], to: 'RUNNING', patch: { nextSpeaker: 'Lin' } });
      expect(waiting?.record.nextSpeaker).toBe('Lin');
      expect((await store().get(record.id))?.nextSpeaker).toBe('Lin');
      const paused = await store().transition(record.id, { from: ['RUNNING'], to: 'PAUSED' });
      expect(paused?.record.nextSpeaker).toBe('Lin');
      const resumed = await store().transition(record.id, { from: ['PAUSED'], to: 'RUNNING', patch: { nextSpeaker: null } });
      expect(resumed?.record).not.toHaveProperty('nextSpeaker');
      expect(await store().get(record.id)).toStrictEqual(resumed?.record);
    });

    it('is cleared by a fenced commit, not by an injected message', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING', nextSpeaker: 'Ada' });
      const injected = await store().appendMessage(record.id, makeMessage(record.id, { author: 'Lin', role: 'HUMAN' }));
      expect(injected?.record.nextSpeaker).toBe('Ada');
      const failedFence = await store().appendMessage(record.id, makeMessage(record.id), {
        fenceTurn: 3,
        round: 0,
        consecutiveFailures: 0,
      });
      expect(failedFence).toBeUndefined();
      expect((await store().get(record.id))?.nextSpeaker).toBe('Ada');

      const committed = await store().appendMessage(record.id, makeMessage(record.id), { fenceTurn: 0, round: 0, consecutiveFailures: 0 });
      const { nextSpeaker, ...withoutSpeaker } = record;
      expect(nextSpeaker).toBe('Ada');
      expect(committed?.record).toStrictEqual({ ...withoutSpeaker, turn: 1, messageCount: 2 });
      expect(await store().get(record.id)).toStrictEqual(committed?.record);
    });
  });

  describe('appendSelection', () => {
    it('logs the selection, sets nextSpeaker and adds its usage to the totals only', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      const committed = await store().appendMessage(record.id, makeMessage(record.id, { usage: { inputTokens: 10, outputTokens: 4 } }), {
        fenceTurn: 0,
        round: 0,
        consecutiveFailures: 0,
      });
      const selection = makeSelection({ attempts: 2, usage: { inputTokens: 30, outputTokens: 5 } });
      const entry = await store().appendSelection(record.id, selection);
      expect(entry).toStrictEqual({ type: 'speaker_selected', cursor: entry?.cursor, previousCursor: committed?.entry.cursor, selection });

      const stored = await store().get(record.id);
      expect(stored?.nextSpeaker).toBe('Grace');
      expect(stored?.usage).toStrictEqual({ inputTokens: 40, outputTokens: 9 });
      expect(stored?.agentUsage).toStrictEqual({ Ada: { inputTokens: 10, outputTokens: 4 } });
      expect(stored?.messageCount).toBe(1);
      expect(stored?.turn).toBe(1);

      const log = await store().readLog(record.id, { limit: 10 });
      expect(log.map((logged) => logged.type)).toEqual(['message', 'speaker_selected']);
      expect(log[1]).toStrictEqual({ type: entry?.type, cursor: entry?.cursor, selection });
    });

    it('adds only the counts reported, and leaves totals undefined without usage', async () => {
      const record = await createDiscussion(store());
      await store().appendSelection(record.id, makeSelection({ fellBack: true, attempts: 2 }));
      const unreported = await store().get(record.id);
      expect(unreported?.usage).toStrictEqual({});
      expect(unreported?.agentUsage).toStrictEqual({});
      expect(unreported?.nextSpeaker).toBe('Grace');

      await store().appendSelection(record.id, makeSelection({ speaker: 'Ada', usage: { inputTokens: 7, outputTokens: undefined } }));
      const inputOnly = await store().get(record.id);
      expect(inputOnly?.usage).toStrictEqual({ inputTokens: 7 });
      expect(inputOnly?.agentUsage).toStrictEqual({});
      expect(inputOnly?.nextSpeaker).toBe('Ada');
    });

    it('appears in the log in order with its cursor', async () => {
      const record = await createDiscussion(store());
      const cursors = [
        await toggleStatus(store(), record.id),
        await select(store(), record.id, 'Ada'),
        await inject(store(), record.id, 'one'),
        await select(store(), record.id, 'Grace'),
        await toggleStatus(store(), record.id),
      ];
      const log = await store().readLog(record.id, { limit: 10 });
      expect(log.map((entry) => entry.cursor)).toEqual(cursors);
      expect(log.map((entry) => entry.type)).toEqual(['status', 'speaker_selected', 'message', 'speaker_selected', 'status']);
      expect(log.map((entry) => (entry.type === 'speaker_selected' ? entry.selection.speaker : undefined))).toEqual([
        undefined,
        'Ada',
        undefined,
        'Grace',
        undefined,
      ]);
      expect((await store().readLog(record.id, { after: cursors[1], limit: 2 })).map((entry) => entry.cursor)).toEqual(cursors.slice(2, 4));
    });

    it('refuses usage that is not a non-negative integer, writing nothing', async () => {
      const record = await createDiscussion(store());
      await expect(store().appendSelection(record.id, makeSelection({ usage: { inputTokens: -1 } }))).rejects.toThrow(RangeError);
      await expect(store().appendSelection(record.id, makeSelection({ usage: { outputTokens: 1.5 } }))).rejects.toThrow(RangeError);
      expect(await store().get(record.id)).toStrictEqual(record);
      expect(await store().readLog(record.id, { limit: 10 })).toEqual([]);
    });

    it('keeps the stored selection apart from the object given', async () => {
      const record = await createDiscussion(store());
      const selection = makeSelection();
      const entry = await store().appendSelection(record.id, selection);
      selection.candidates.push('Mallory');
      entry?.selection.candidates.push('Eve');
      const [logged] = await store().readLog(record.id, { limit: 1 });
      expect(logged?.type === 'speaker_selected' && logged.selection.candidates).toEqual(['Ada', 'Grace']);
    });

    it('returns undefined for a missing discussion and writes nothing', async () => {
      const id = randomUUID();
      expect(await store().appendSelection(id, makeSelection({ usage: { inputTokens: 3 } }))).toBeUndefined();
      expect(await store().get(id)).toBeUndefined();
      expect(await store().readLog(id, { limit: 10 })).toEqual([]);
    });
  });

  describe('readMessages with selections', () => {
    // Log: select, m1, select, status, m2, select, m3, select
    const buildLog = async (): Promise<{ id: string; messages: string[]; selections: string[] }> => {
      const record = await createDiscussion(store());
      const selections = [await select(store(), record.id, 'Ada')];
      const messages = [await inject(store(), record.id, 'm1')];
      selections.push(await select(store(), record.id, 'Grace'));
      await toggleStatus(store(), record.id);
      messages.push(await inject(store(), record.id, 'm2'));
      selections.push(await select(store(), record.id, 'Ada'));
      messages.push(await inject(store(), record.id, 'm3'));
      selections.push(await select(store(), record.id, 'Grace'));
      return { id: record.id, messages, selections };
    };
    const contents = (page: { items: { message: { content: string } }[] }): string[] => page.items.map((item) => item.message.content);

    it('skips selection entries reading forward', async () => {
      const { id, messages, selections } = await buildLog();
      const first = await store().readMessages(id, { limit: 2, direction: 'forward' });
      expect(contents(first)).toEqual(['m1', 'm2']);
      expect(first.items.map((item) => item.cursor)).toEqual(messages.slice(0, 2));
      expect(first.hasMore).toBe(true);
      const rest = await store().readMessages(id, { after: messages[1], limit: 2, direction: 'forward' });
      expect(contents(rest)).toEqual(['m3']);
      expect(rest.hasMore).toBe(false);
      const exact = await store().readMessages(id, { after: selections[0], limit: 3, direction: 'forward' });
      expect(contents(exact)).toEqual(['m1', 'm2', 'm3']);
      expect(exact.hasMore).toBe(false);
      expect(await store().readMessages(id, { after: messages[2], limit: 2, direction: 'forward' })).toEqual({ items: [], hasMore: false });
    });

    it('skips selection entries reading backward', async () => {
      const { id, messages, selections } = await buildLog();
      const last = await store().readMessages(id, { limit: 2, direction: 'backward' });
      expect(contents(last)).toEqual(['m2', 'm3']);
      expect(last.items.map((item) => item.cursor)).toEqual(messages.slice(1));
      expect(last.hasMore).toBe(true);
      const earlier = await store().readMessages(id, { before: messages[1], limit: 2, direction: 'backward' });
      expect(contents(earlier)).toEqual(['m1']);
      expect(earlier.hasMore).toBe(false);
      const exact = await store().readMessages(id, { before: selections[3], limit: 3, direction: 'backward' });
      expect(contents(exact)).toEqual(['m1', 'm2', 'm3']);
      expect(exact.hasMore).toBe(false);
      expect(await store().readMessages(id, { before: selections[0], limit: 2, direction: 'backward' })).toEqual({
        items: [],
        hasMore: false,
      });
    });

    it('reads past long runs of selection entries in both directions', async () => {
      const record = await createDiscussion(store());
      const first = await inject(store(), record.id, 'first');
      for (let index = 0; index < 40; index += 1) await select(store(), record.id, index % 2 === 0 ? 'Ada' : 'Grace');
      const second = await inject(store(), record.id, 'second');
      for (let index = 0; index < 40; index += 1) await select(store(), record.id, 'Ada');

      await expectTwoMessagesAmongOtherEntries(store(), record.id, first, second);
    });
  });
}
