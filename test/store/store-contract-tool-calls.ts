// The tool-call half of the store contract: calls appended while their message
// is in flight, fenced like every other write of a turn, handed to a restarted
// attempt of the same turn, and carried by the committed message.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DiscussionStore, InFlightRecord, ToolCallRecord } from '../../src/store/types.js';
import { createDiscussion, inject, makeMessage, makeRecord } from './fixtures.js';

export function makeToolCall(overrides: Partial<ToolCallRecord> = {}): ToolCallRecord {
  return {
    id: `call-${randomUUID()}`,
    messageId: 'm-1',
    tool: 'search/web_search',
    arguments: JSON.stringify({ query: 'tabs versus spaces "survey"' }),
    result: 'Spaces: 58%, tabs: 42%.\nSource: a survey.',
    isError: false,
    durationMs: 412,
    step: 1,
    at: '2025-03-01T10:03:01.000Z',
    ...overrides,
  };
}

const inFlight = (messageId: string, turn = 0): Omit<InFlightRecord, 'text'> => ({
  messageId,
  author: 'Ada',
  provider: 'ANTHROPIC',
  model: 'claude-test',
  round: 0,
  turn,
  startedAt: '2025-03-01T10:03:00.000Z',
});

const commit = (messageId: string) => ({ fenceTurn: 0, round: 0, consecutiveFailures: 0, inFlightMessageId: messageId });

export function describeToolCallContract(store: () => DiscussionStore): void {
  /** A running discussion with message `m-1` in flight. */
  const streaming = async (): Promise<string> => {
    const record = await createDiscussion(store(), { status: 'RUNNING' });
    expect(await store().beginInFlight(record.id, inFlight('m-1'))).toStrictEqual({});
    return record.id;
  };

  describe('appendToolCall', () => {
    it('logs each call after the entry before it and adds it to the in-flight message, in order', async () => {
      const id = await streaming();
      const injected = await inject(store(), id, 'Any numbers?');
      const search = makeToolCall();
      const failed = makeToolCall({ tool: 'fetch/get', isError: true, result: 'timed out after 30000 ms', step: 2, reused: true });

      const first = await store().appendToolCall(id, search);
      expect(first).toStrictEqual({ type: 'tool_call', cursor: first?.cursor, previousCursor: injected, toolCall: search });
      const second = await store().appendToolCall(id, failed);
      expect(second).toStrictEqual({ type: 'tool_call', cursor: second?.cursor, previousCursor: first?.cursor, toolCall: failed });

      const log = await store().readLog(id, { after: injected, limit: 10 });
      expect(log).toStrictEqual([
        { type: 'tool_call', cursor: first?.cursor, toolCall: search },
        { type: 'tool_call', cursor: second?.cursor, toolCall: failed },
      ]);
      await store().appendInFlight(id, 'Spaces', 'm-1');
      expect(await store().getInFlight(id)).toStrictEqual({ ...inFlight('m-1'), text: 'Spaces', toolCalls: [search, failed] });
      // Tool calls are no messages.
      expect((await store().readMessages(id, { limit: 10, direction: 'forward' })).items).toHaveLength(1);
    });

    it('shows no toolCalls on an in-flight message that has made none', async () => {
      const id = await streaming();
      const stored = await store().getInFlight(id);
      expect(stored).toStrictEqual({ ...inFlight('m-1'), text: '' });
      expect(stored && 'toolCalls' in stored).toBe(false);
    });

    it('writes nothing for a message that is not the one in flight, or when none is', async () => {
      const id = await streaming();
      const kept = makeToolCall();
      await store().appendToolCall(id, kept);
      const before = await store().readLog(id, { limit: 10 });

      expect(await store().appendToolCall(id, makeToolCall({ messageId: 'm-0' }))).toBeUndefined();
      expect(await store().readLog(id, { limit: 10 })).toStrictEqual(before);
      expect((await store().getInFlight(id))?.toolCalls).toStrictEqual([kept]);

      expect(await store().clearInFlight(id, 'm-1')).toBe(true);
      expect(await store().appendToolCall(id, makeToolCall())).toBeUndefined();
      expect(await store().readLog(id, { limit: 10 })).toStrictEqual(before);
      expect(await store().getInFlight(id)).toBeUndefined();
    });

    it('writes nothing once the turn has committed', async () => {
      const id = await streaming();
      const committed = await store().appendMessage(id, makeMessage(id, { id: 'm-1' }), commit('m-1'));
      expect(committed).toBeDefined();

      expect(await store().appendToolCall(id, makeToolCall())).toBeUndefined();
      expect(await store().readLog(id, { limit: 10 })).toStrictEqual([
        { type: 'message', cursor: committed?.entry.cursor, message: committed?.entry.message },
      ]);
      expect(await store().getInFlight(id)).toBeUndefined();
    });

    it.each(['STOPPED', 'COMPLETED', 'FAILED'] as const)(
      'writes nothing once the discussion is %s, though the message is still in flight',
      async (ended) => {
        const id = await streaming();
        const kept = makeToolCall();
        await store().appendToolCall(id, kept);
        await store().transition(id, { from: ['RUNNING'], to: ended });
        const before = await store().readLog(id, { limit: 10 });

        expect(await store().appendToolCall(id, makeToolCall({ step: 2 }))).toBeUndefined();
        expect(await store().readLog(id, { limit: 10 })).toStrictEqual(before);
        expect((await store().getInFlight(id))?.toolCalls).toStrictEqual([kept]);
      },
    );

    it('writes nothing for a missing discussion', async () => {
      const id = randomUUID();
      expect(await store().appendToolCall(id, makeToolCall())).toBeUndefined();
      expect(await store().readLog(id, { limit: 10 })).toEqual([]);
      expect(await store().getInFlight(id)).toBeUndefined();
      expect(await store().get(id)).toBeUndefined();
    });

    it('keeps the stored call apart from the object given and the entry returned', async () => {
      const id = await streaming();
      const call = makeToolCall();
      const entry = await store().appendToolCall(id, call);
      call.result = 'changed by the caller';
      if (entry !== undefined) entry.toolCall.result = 'changed too';
      const [logged] = await store().readLog(id, { limit: 1 });
      expect(logged?.type === 'tool_call' && logged.toolCall.result).toBe(makeToolCall().result);
      expect((await store().getInFlight(id))?.toolCalls?.[0]?.result).toBe(makeToolCall().result);
    });
  });

  describe('tool calls across attempts and commits', () => {
    it('hands the calls of the replaced attempt to a restarted one of the same turn, which keeps them for the next', async () => {
      const id = await streaming();
      const calls = [makeToolCall(), makeToolCall({ tool: 'fetch/get', step: 2 })];
      for (const call of calls) await store().appendToolCall(id, call);

      expect(await store().beginInFlight(id, inFlight('m-2'))).toStrictEqual({ replaced: { messageId: 'm-1', turn: 0, toolCalls: calls } });
      expect(await store().getInFlight(id)).toStrictEqual({ ...inFlight('m-2'), text: '', toolCalls: calls });
      // The dead attempt can no longer add to its successor.
      expect(await store().appendToolCall(id, makeToolCall({ step: 3 }))).toBeUndefined();

      const reused = { ...makeToolCall({ messageId: 'm-2' }), reused: true };
      await store().appendToolCall(id, reused);
      // An attempt that dies too hands on what it inherited and what it added: a third attempt reuses the first one's calls.
      expect(await store().beginInFlight(id, inFlight('m-3'))).toStrictEqual({
        replaced: { messageId: 'm-2', turn: 0, toolCalls: [...calls, reused] },
      });
      expect(await store().beginInFlight(id, inFlight('m-4'))).toStrictEqual({
        replaced: { messageId: 'm-3', turn: 0, toolCalls: [...calls, reused] },
      });
    });

    it('starts a later turn without the calls of the one before', async () => {
      const id = await streaming();
      await store().appendToolCall(id, makeToolCall());
      await store().appendMessage(id, makeMessage(id, { id: 'm-1' }), commit('m-1'));
      expect(await store().beginInFlight(id, { ...inFlight('m-2'), turn: 1 })).toStrictEqual({});
      const next = await store().getInFlight(id);
      expect(next && 'toolCalls' in next).toBe(false);
    });

    it('begins an in-flight message with the calls it is given', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      const carried = makeToolCall({ reused: true });
      await store().beginInFlight(record.id, { ...inFlight('m-1'), toolCalls: [carried] });
      await store().appendToolCall(record.id, makeToolCall({ step: 2, id: 'call-2' }));
      expect((await store().getInFlight(record.id))?.toolCalls?.map((call) => call.id)).toStrictEqual([carried.id, 'call-2']);

      await store().clearInFlight(record.id, 'm-1');
      await store().beginInFlight(record.id, { ...inFlight('m-2'), toolCalls: [] });
      const empty = await store().getInFlight(record.id);
      expect(empty && 'toolCalls' in empty).toBe(false);
    });

    it('round-trips a message committed with its tool calls through readLog and readMessages', async () => {
      const id = await streaming();
      const calls = [makeToolCall(), makeToolCall({ tool: 'fetch/get', isError: true, step: 2, reused: true })];
      for (const call of calls) await store().appendToolCall(id, call);
      const message = makeMessage(id, { id: 'm-1', provider: 'ANTHROPIC', model: 'claude-test', toolCalls: calls });
      const committed = await store().appendMessage(id, message, commit('m-1'));

      expect(committed?.entry.message).toStrictEqual(message);
      const log = await store().readLog(id, { limit: 10 });
      expect(log.map((entry) => entry.type)).toEqual(['tool_call', 'tool_call', 'message']);
      expect(log.at(-1)).toStrictEqual({ type: 'message', cursor: committed?.entry.cursor, message });
      const page = await store().readMessages(id, { limit: 10, direction: 'backward' });
      expect(page.items).toStrictEqual([{ cursor: committed?.entry.cursor, message }]);
      expect(await store().getInFlight(id)).toBeUndefined();
    });

    it('round-trips the tools an agent may use', async () => {
      const [ada, grace] = makeRecord().agents;
      if (ada === undefined || grace === undefined) throw new Error('the record has fewer than two agents');
      const record = await createDiscussion(store(), { agents: [{ ...ada, tools: ['search', 'fetch/get'] }, grace] });
      const stored = await store().get(record.id);
      expect(stored).toStrictEqual(record);
      expect(stored?.agents[1] && 'tools' in stored.agents[1]).toBe(false);
    });

    it('deletes the calls with the discussion: an id used again starts with none', async () => {
      const id = await streaming();
      await store().appendToolCall(id, makeToolCall());
      const discussion = await store().get(id);
      if (discussion === undefined) throw new Error('missing');

      expect(await store().delete(id)).toBe(true);
      expect(await store().readLog(id, { limit: 10 })).toEqual([]);
      expect(await store().getInFlight(id)).toBeUndefined();
      expect(await store().appendToolCall(id, makeToolCall())).toBeUndefined();

      await store().create(discussion);
      expect(await store().readLog(id, { limit: 10 })).toEqual([]);
      expect(await store().beginInFlight(id, inFlight('m-1'))).toStrictEqual({});
      expect(await store().getInFlight(id)).toStrictEqual({ ...inFlight('m-1'), text: '' });
    });
  });
}
