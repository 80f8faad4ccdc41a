// The log half of the store contract: reading the log and the messages by
// cursor, the in-flight message, and the cursors themselves.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareCursors, isCursor } from '../../src/store/types.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion, expectTwoMessagesAmongOtherEntries, inject, makeMessage, makeSelection, toggleStatus } from './fixtures.js';

export function describeLogContract(store: () => DiscussionStore): void {
  describe('readLog', () => {
    it('reads entries strictly after a cursor, oldest first, at most `limit`', async () => {
      const record = await createDiscussion(store());
      const cursors = [
        await inject(store(), record.id, 'one'),
        await toggleStatus(store(), record.id),
        await inject(store(), record.id, 'two'),
        await inject(store(), record.id, 'three'),
        await toggleStatus(store(), record.id),
      ];
      const all = await store().readLog(record.id, { limit: 100 });
      expect(all.map((entry) => entry.cursor)).toEqual(cursors);
      expect(all.map((entry) => entry.type)).toEqual(['message', 'status', 'message', 'message', 'status']);

      expect((await store().readLog(record.id, { limit: 2 })).map((entry) => entry.cursor)).toEqual(cursors.slice(0, 2));
      expect((await store().readLog(record.id, { after: cursors[1], limit: 100 })).map((entry) => entry.cursor)).toEqual(cursors.slice(2));
      expect((await store().readLog(record.id, { after: cursors[1], limit: 2 })).map((entry) => entry.cursor)).toEqual(cursors.slice(2, 4));
      expect(await store().readLog(record.id, { after: cursors[4], limit: 100 })).toEqual([]);
      expect(await store().readLog(record.id, { after: '0-0', limit: 100 })).toHaveLength(5);
    });
  });

  describe('readMessages', () => {
    // Log: status, m1, m2, status, m3, status, m4, m5
    const buildLog = async (): Promise<{ id: string; messages: string[]; statuses: string[] }> => {
      const record = await createDiscussion(store());
      const statuses: string[] = [];
      const messages: string[] = [];
      statuses.push(await toggleStatus(store(), record.id));
      messages.push(await inject(store(), record.id, 'm1'), await inject(store(), record.id, 'm2'));
      statuses.push(await toggleStatus(store(), record.id));
      messages.push(await inject(store(), record.id, 'm3'));
      statuses.push(await toggleStatus(store(), record.id));
      messages.push(await inject(store(), record.id, 'm4'), await inject(store(), record.id, 'm5'));
      return { id: record.id, messages, statuses };
    };
    const contents = (page: { items: { message: { content: string } }[] }): string[] => page.items.map((item) => item.message.content);

    it('reads forward, skipping status entries, with `after` and `hasMore`', async () => {
      const { id, messages, statuses } = await buildLog();
      const first = await store().readMessages(id, { limit: 2, direction: 'forward' });
      expect(contents(first)).toEqual(['m1', 'm2']);
      expect(first.items.map((item) => item.cursor)).toEqual(messages.slice(0, 2));
      expect(first.hasMore).toBe(true);
      const second = await store().readMessages(id, { after: messages[1], limit: 2, direction: 'forward' });
      expect(contents(second)).toEqual(['m3', 'm4']);
      expect(second.hasMore).toBe(true);
      const third = await store().readMessages(id, { after: messages[3], limit: 2, direction: 'forward' });
      expect(contents(third)).toEqual(['m5']);
      expect(third.hasMore).toBe(false);
      const exact = await store().readMessages(id, { after: messages[2], limit: 2, direction: 'forward' });
      expect(contents(exact)).toEqual(['m4', 'm5']);
      expect(exact.hasMore).toBe(false);
      // A status entry's cursor works as a position too.
      expect(contents(await store().readMessages(id, { after: statuses[1], limit: 10, direction: 'forward' }))).toEqual(['m3', 'm4', 'm5']);
    });

    it('reads backward: the newest messages before `before`, returned oldest first', async () => {
      const { id, messages, statuses } = await buildLog();
      const last = await store().readMessages(id, { limit: 2, direction: 'backward' });
      expect(contents(last)).toEqual(['m4', 'm5']);
      expect(last.items.map((item) => item.cursor)).toEqual(messages.slice(3));
      expect(last.hasMore).toBe(true);
      const earlier = await store().readMessages(id, { before: messages[3], limit: 2, direction: 'backward' });
      expect(contents(earlier)).toEqual(['m2', 'm3']);
      expect(earlier.hasMore).toBe(true);
      const earliest = await store().readMessages(id, { before: messages[1], limit: 2, direction: 'backward' });
      expect(contents(earliest)).toEqual(['m1']);
      expect(earliest.hasMore).toBe(false);
      expect(contents(await store().readMessages(id, { before: statuses[2], limit: 10, direction: 'backward' }))).toEqual([
        'm1',
        'm2',
        'm3',
      ]);
      expect(await store().readMessages(id, { before: '0-0', limit: 10, direction: 'backward' })).toEqual({ items: [], hasMore: false });
    });

    it('honours `after` and `before` together, both exclusive', async () => {
      const { id, messages } = await buildLog();
      const between = await store().readMessages(id, { after: messages[0], before: messages[4], limit: 10, direction: 'forward' });
      expect(contents(between)).toEqual(['m2', 'm3', 'm4']);
      expect(between.hasMore).toBe(false);
      const forward = await store().readMessages(id, { after: messages[0], before: messages[4], limit: 2, direction: 'forward' });
      expect(contents(forward)).toEqual(['m2', 'm3']);
      expect(forward.hasMore).toBe(true);
      const backward = await store().readMessages(id, { after: messages[0], before: messages[4], limit: 2, direction: 'backward' });
      expect(contents(backward)).toEqual(['m3', 'm4']);
      expect(backward.hasMore).toBe(true);
      const empty = await store().readMessages(id, { after: messages[1], before: messages[2], limit: 2, direction: 'forward' });
      expect(empty).toEqual({ items: [], hasMore: false });
    });

    it('reads past long runs of status entries in both directions', async () => {
      const record = await createDiscussion(store());
      const first = await inject(store(), record.id, 'first');
      for (let index = 0; index < 45; index += 1) await toggleStatus(store(), record.id);
      const second = await inject(store(), record.id, 'second');
      for (let index = 0; index < 45; index += 1) await toggleStatus(store(), record.id);

      await expectTwoMessagesAmongOtherEntries(store(), record.id, first, second);
    });

    it('returns an empty page for a missing discussion', async () => {
      expect(await store().readMessages(randomUUID(), { limit: 5, direction: 'backward' })).toEqual({ items: [], hasMore: false });
    });
  });

  describe('in-flight message', () => {
    it('begins empty, grows by deltas, and clears', async () => {
      const record = await createDiscussion(store(), { turn: 2 });
      expect(await store().getInFlight(record.id)).toBeUndefined();
      const metadata = {
        messageId: 'm-1',
        author: 'Grace',
        provider: 'OPENAI' as const,
        model: 'gpt-test',
        round: 1,
        turn: 2,
        startedAt: '2025-03-01T10:04:00.000Z',
      };
      expect(await store().beginInFlight(record.id, metadata)).toStrictEqual({});
      expect(await store().getInFlight(record.id)).toStrictEqual({ ...metadata, text: '' });
      const deltas = ['Tabs', ' are', ' fine', ', ', 'honestly ✨', ''];
      for (const delta of deltas) expect(await store().appendInFlight(record.id, delta, 'm-1')).toBe(true);
      expect(await store().getInFlight(record.id)).toStrictEqual({ ...metadata, text: deltas.join('') });

      expect(await store().clearInFlight(record.id, 'm-1')).toBe(true);
      expect(await store().getInFlight(record.id)).toBeUndefined();
      expect(await store().clearInFlight(record.id, 'm-1')).toBe(false);
      // Nor append once it is cleared.
      expect(await store().appendInFlight(record.id, 'after the commit', 'm-1')).toBe(false);
      expect(await store().getInFlight(record.id)).toBeUndefined();
    });

    it('starts over when an attempt takes the turn over, naming the message it replaced', async () => {
      const record = await createDiscussion(store());
      await store().beginInFlight(record.id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:04:00.000Z' });
      await store().appendInFlight(record.id, 'old text', 'm-1');
      const next = { messageId: 'm-2', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:05:00.000Z' };
      expect(await store().beginInFlight(record.id, next)).toStrictEqual({ replaced: { messageId: 'm-1', turn: 0 } });
      // The replaced attempt's late deltas land nowhere.
      expect(await store().appendInFlight(record.id, 'late old text', 'm-1')).toBe(false);
      expect(await store().appendInFlight(record.id, 'new', 'm-2')).toBe(true);
      // Optional fields left out stay absent.
      expect(await store().getInFlight(record.id)).toStrictEqual({ ...next, text: 'new' });
      // The replaced attempt can no longer clear the new one.
      expect(await store().clearInFlight(record.id, 'm-1')).toBe(false);
      expect((await store().getInFlight(record.id))?.messageId).toBe('m-2');
    });

    it('begins nothing for a turn the discussion is not at, or for a missing discussion', async () => {
      const record = await createDiscussion(store(), { turn: 3 });
      for (const turn of [2, 4]) {
        expect(
          await store().beginInFlight(record.id, {
            messageId: `m-${turn}`,
            author: 'Ada',
            round: 0,
            turn,
            startedAt: '2025-03-01T10:04:00.000Z',
          }),
        ).toBeUndefined();
      }
      expect(await store().getInFlight(record.id)).toBeUndefined();
      const id = randomUUID();
      expect(
        await store().beginInFlight(id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:04:00.000Z' }),
      ).toBeUndefined();
      expect(await store().getInFlight(id)).toBeUndefined();
    });
  });

  describe('cursors', () => {
    it('strictly increase across messages and status entries, and compareCursors orders them', async () => {
      const record = await createDiscussion(store());
      const cursors: string[] = [];
      for (let index = 0; index < 30; index += 1) {
        cursors.push(index % 3 === 0 ? await toggleStatus(store(), record.id) : await inject(store(), record.id, `message ${index}`));
      }
      const concurrent = await Promise.all(
        Array.from({ length: 20 }, (_, index) => store().appendMessage(record.id, makeMessage(record.id, { content: `burst ${index}` }))),
      );
      const burst = concurrent.map((committed) => committed?.entry.cursor ?? 'missing');
      expect(new Set(burst).size).toBe(20);
      cursors.push(...[...burst].sort(compareCursors));

      for (const cursor of cursors) expect(isCursor(cursor)).toBe(true);
      for (let index = 1; index < cursors.length; index += 1) {
        expect(compareCursors(cursors[index - 1] ?? '', cursors[index] ?? '')).toBeLessThan(0);
      }
      const logged = (await store().readLog(record.id, { limit: 100 })).map((entry) => entry.cursor);
      expect(logged).toEqual(cursors);
      const shuffled = [...cursors].reverse();
      expect(shuffled.sort(compareCursors)).toEqual(cursors);
    });

    it('each write names the entry before it, so a subscriber can tell it missed one', async () => {
      const record = await createDiscussion(store());
      const written = [
        (await store().transition(record.id, { from: ['CREATED'], to: 'RUNNING' }))?.entry,
        (await store().appendMessage(record.id, makeMessage(record.id)))?.entry,
        await store().appendSelection(record.id, makeSelection()),
        (await store().appendMessage(record.id, makeMessage(record.id), { fenceTurn: 0, round: 0, consecutiveFailures: 0 }))?.entry,
        (await store().transition(record.id, { from: ['RUNNING'], to: 'COMPLETED' }))?.entry,
      ];
      const cursors = written.map((entry) => entry?.cursor);
      expect(written.map((entry) => entry?.previousCursor)).toEqual([undefined, ...cursors.slice(0, -1)]);
      expect(written[0]).not.toHaveProperty('previousCursor');
      // Read back, entries do not carry it.
      const logged = await store().readLog(record.id, { limit: 10 });
      expect(logged.map((entry) => entry.cursor)).toEqual(cursors);
      for (const entry of logged) expect(entry).not.toHaveProperty('previousCursor');
    });

    it("lastCursor is the newest entry's, and undefined for an empty log or a missing discussion", async () => {
      const record = await createDiscussion(store());
      expect(await store().lastCursor(record.id)).toBeUndefined();
      await inject(store(), record.id, 'one');
      const newest = await toggleStatus(store(), record.id);
      expect(await store().lastCursor(record.id)).toBe(newest);
      expect(await store().lastCursor(randomUUID())).toBeUndefined();
    });

    it('compares numerically, not as text', () => {
      expect(compareCursors('9-0', '10-0')).toBeLessThan(0);
      expect(compareCursors('5-2', '5-10')).toBeLessThan(0);
      expect(compareCursors('7-3', '7-3')).toBe(0);
      expect(compareCursors('8-0', '7-99')).toBeGreaterThan(0);
    });
  });
}
