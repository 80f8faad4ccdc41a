import { describe, expect, it } from 'vitest';
import { EMPTY_LIVE_STATE, applyEvent, mergeInFlight, type LiveEvent, type LiveState, type Message, type ToolCall } from './live-state';

const token = (messageId: string, offset: number, delta: string): LiveEvent => ({
  __typename: 'TokenEvent',
  messageId,
  author: 'Ada',
  offset,
  delta,
});
const call = (messageId: string, id: string, result = '5'): ToolCall => ({
  id,
  messageId,
  tool: 'demo/add',
  arguments: '{"a": 2, "b": 3}',
  result,
  isError: false,
  durationMs: 3,
  step: 1,
  at: '2026-12-06T00:00:00.000Z',
  reused: false,
});
const toolCallEvent = (cursor: string, finished: ToolCall): LiveEvent => ({ __typename: 'ToolCallEvent', cursor, ...finished });
const message = (id: string, cursor: string, content: string, toolCalls: ToolCall[] = []): LiveEvent => ({
  __typename: 'MessageEvent',
  cursor,
  message: {
    id,
    author: 'Ada',
    role: 'AGENT',
    content,
    round: 1,
    turn: 0,
    provider: 'MOCK',
    model: 'mock-1',
    finishReason: 'stop',
    createdAt: '2026-12-06T00:00:00.000Z',
    usage: null,
    toolCalls,
  } satisfies Message,
});
const fold = (events: LiveEvent[], from: LiveState = EMPTY_LIVE_STATE) => events.reduce(applyEvent, from);
const pendingIds = (state: LiveState, messageId: string) => state.pendingToolCalls.get(messageId)?.map((known) => known.id);

describe('the live view state', () => {
  it('joins tokens by offset: a repeated or overlapping delta does not duplicate text', () => {
    const state = fold([
      token('m1', 0, 'Hel'),
      token('m1', 3, 'lo'),
      token('m1', 0, 'Hel'),
      token('m1', 3, 'lo wor'),
      token('m1', 5, ' wo'),
    ]);
    expect(state.inFlight).toMatchObject({ messageId: 'm1', text: 'Hello wor' });
    expect(state.gap).toBe(false);
  });

  it('flags a gap when a token starts past the text it has, and the read text fills it', () => {
    const state = fold([token('m1', 0, 'Hello'), token('m1', 9, ' there')]);
    expect(state).toMatchObject({ gap: true, inFlight: { text: 'Hello' } });
    const merged = mergeInFlight(
      state,
      { messageId: 'm1', author: 'Ada', text: 'Hello my friend', round: 1, provider: 'MOCK', model: null },
      state.tokens,
    );
    expect(merged).toMatchObject({ gap: false, inFlight: { text: 'Hello my friend' } });
    // A read older than the tokens already joined never shortens the text.
    expect(
      mergeInFlight(merged, { messageId: 'm1', author: 'Ada', text: 'Hello', round: 1, provider: 'MOCK', model: null }, merged.tokens)
        .inFlight?.text,
    ).toBe('Hello my friend');
  });

  it('keeps each persisted event once, in order, and a commit ends the in-flight text for good', () => {
    let state = fold([token('m1', 0, 'Hi'), message('m1', '1-0', 'Hi!'), message('m1', '1-0', 'Hi!'), token('m1', 2, '!')]);
    expect(state.items.map((item) => item.cursor)).toEqual(['1-0']);
    expect(state.inFlight).toBeUndefined();
    expect(state.cursor).toBe('1-0');
    // A read that still saw the message streaming does not bring it back.
    state = mergeInFlight(state, { messageId: 'm1', author: 'Ada', text: 'Hi', round: 1, provider: 'MOCK', model: null }, state.tokens);
    expect(state.inFlight).toBeUndefined();
    state = fold([{ __typename: 'StatusEvent', cursor: '2-0', status: 'COMPLETED', stopReason: 'max_rounds', error: null }], state);
    expect(state.items.map((item) => item.kind)).toEqual(['message', 'status']);
  });

  it('drops the text of a turn that restarted, and a new message replaces the old one in flight', () => {
    let state = fold([token('m1', 0, 'Lost words'), { __typename: 'TurnRestartedEvent', discardedMessageId: 'm1' }]);
    expect(state.inFlight).toBeUndefined();
    state = fold([token('m2', 0, 'Fresh'), token('m3', 0, 'Next')], state);
    expect(state.inFlight).toMatchObject({ messageId: 'm3', text: 'Next' });
  });

  it('ends the text in flight when a read that began after the last token finds none, or the discussion ends', () => {
    const streaming = fold([token('m1', 0, 'Half a')]);
    // A turn that failed mid-stream commits a note under another id: the read after it finds nothing in flight.
    expect(mergeInFlight(streaming, null, streaming.tokens).inFlight).toBeUndefined();
    // A read that began before a token arrived may predate the message: it keeps the text.
    expect(mergeInFlight(fold([token('m1', 6, ' thought')], streaming), null, streaming.tokens).inFlight?.text).toBe('Half a thought');
    const ended = fold(
      [{ __typename: 'StatusEvent', cursor: '9-0', status: 'FAILED', stopReason: 'consecutive_failures', error: 'three failed' }],
      streaming,
    );
    expect(ended.inFlight).toBeUndefined();
  });

  describe('tool calls', () => {
    it('keeps the calls that finish before their message with the message in flight, then shows the committed ones', () => {
      // The first call can finish before any token of its message: it waits under the message id.
      let state = fold([toolCallEvent('2-0', call('m1', 'c1'))]);
      expect(pendingIds(state, 'm1')).toEqual(['c1']);
      expect(state.cursor).toBe('2-0');
      expect(state.items).toEqual([]);
      state = fold([token('m1', 0, 'I asked'), toolCallEvent('3-0', call('m1', 'c2', '7'))], state);
      expect(state.inFlight).toMatchObject({ messageId: 'm1', text: 'I asked' });
      expect(state.pendingToolCalls.get('m1')?.map((known) => known.result)).toEqual(['5', '7']);

      state = fold([message('m1', '4-0', 'I asked demo/add.', [call('m1', 'c1'), call('m1', 'c2', '7')])], state);
      expect(state.inFlight).toBeUndefined();
      expect(state.pendingToolCalls.size).toBe(0);
      const [committed] = state.items;
      expect(committed?.kind === 'message' ? committed.message.toolCalls.map((known) => known.id) : []).toEqual(['c1', 'c2']);
      expect(state.cursor).toBe('4-0');
    });

    it('shows each call once after a reconnect replays it, keyed by message, step and call id', () => {
      const first = toolCallEvent('2-0', call('m1', 'c1'));
      let state = fold([token('m1', 0, 'Hm'), first, first]);
      // The same call under another cursor is still one call; the same vendor id in another message is another.
      state = fold([toolCallEvent('2-1', call('m1', 'c1')), toolCallEvent('2-2', call('m2', 'c1'))], state);
      expect(pendingIds(state, 'm1')).toEqual(['c1']);
      expect(pendingIds(state, 'm2')).toEqual(['c1']);
      expect(state.cursor).toBe('2-2');
      // A server that numbers calls per reply uses call_0 again at the next step: that is another call.
      state = fold([toolCallEvent('2-3', { ...call('m1', 'c1', '9'), step: 2 })], state);
      expect(state.pendingToolCalls.get('m1')?.map((known) => [known.step, known.result])).toEqual([
        [1, '5'],
        [2, '9'],
      ]);

      // A replay from the start brings the calls again before the commit: only the message's own stay.
      state = fold([message('m1', '3-0', 'Hm, 5.', [call('m1', 'c1')]), first, message('m1', '3-0', 'Hm, 5.', [call('m1', 'c1')])], state);
      expect(state.pendingToolCalls.has('m1')).toBe(false);
      expect(state.items.map((item) => item.cursor)).toEqual(['3-0']);
      // A call replayed after its message committed does not come back as pending.
      expect(fold([toolCallEvent('2-9', call('m1', 'c9'))], state).pendingToolCalls.has('m1')).toBe(false);
    });

    it('drops the calls of a restarted turn and keeps the new attempt’s, and an ended discussion keeps none pending', () => {
      let state = fold([token('m1', 0, 'Lost'), toolCallEvent('2-0', call('m1', 'c1'))]);
      state = fold([{ __typename: 'TurnRestartedEvent', discardedMessageId: 'm1' }], state);
      expect(state.pendingToolCalls.has('m1')).toBe(false);
      expect(state.inFlight).toBeUndefined();
      state = fold([toolCallEvent('3-0', call('m2', 'c1')), token('m2', 0, 'Again')], state);
      expect(pendingIds(state, 'm2')).toEqual(['c1']);
      // A restart of another message leaves these alone.
      expect(pendingIds(fold([{ __typename: 'TurnRestartedEvent', discardedMessageId: 'm0' }], state), 'm2')).toEqual(['c1']);
      state = fold([{ __typename: 'StatusEvent', cursor: '4-0', status: 'STOPPED', stopReason: 'user', error: null }], state);
      expect(state.pendingToolCalls.size).toBe(0);
    });
  });
});
