// Recording a discussion's provider calls (src/engine/provider-calls.ts) and the REPLAY model
// that streams them again (src/engine/replay-model.ts), on the memory store with a scripted
// model (our own ChatModel interface); test/e2e/record-replay.test.ts runs the real vendors' SDKs.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createProviderCalls } from '../../src/engine/provider-calls.js';
import { createReplayModels, recordedGroup, type ReplayClock } from '../../src/engine/replay-model.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { ChatModel, ChatRequest, StreamPart } from '../../src/providers/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { ProviderCallRecording } from '../../src/store/provider-call-records.js';
import { makeRecord } from '../store/fixtures.js';
import { scriptedRegistry } from '../support/engine-doubles.js';

const logger = pino({ level: 'silent' });

/** A model that streams each call's scripted parts in turn. */
function scriptedModel(calls: StreamPart[][]): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    provider: 'ANTHROPIC',
    requests,
    async *stream(request) {
      requests.push(request);
      for (const part of calls[requests.length - 1] ?? []) yield await Promise.resolve(part);
    },
  };
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const request = (signal = new AbortController().signal): ChatRequest => ({
  model: 'claude-test',
  system: 'You are Ada.',
  messages: [{ role: 'user', name: 'Lin', content: 'Weather?' }],
  signal,
});

/** A clock whose sleep moves time on at once, and that remembers every wait. */
function fakeClock(): ReplayClock & { waits: number[] } {
  let time = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => time,
    sleep(milliseconds) {
      waits.push(milliseconds);
      time += milliseconds;
      return Promise.resolve();
    },
  };
}

const recording = (overrides: Partial<ProviderCallRecording>): ProviderCallRecording => ({
  turn: 0,
  purpose: 'reply',
  group: 'g1',
  step: 1,
  provider: 'ANTHROPIC',
  startedAt: '2026-12-01T10:00:00.000Z',
  request: { model: 'claude-test', system: 'You are Ada.', messages: [] },
  parts: [],
  ...overrides,
});

describe('recording provider calls', () => {
  it('keeps each call of a reply in one group, step by step, errors as kind and our message, without the signal', async () => {
    const store = createMemoryStore();
    const record = makeRecord({ recordCalls: true });
    await store.create(record);
    const model = scriptedModel([
      [
        { type: 'text-delta', text: 'Let me check.' },
        { type: 'tool-call', call: { id: 'c1', name: 'weather__now', arguments: {}, argumentsText: '{}' } },
        { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 4 } },
      ],
      [{ type: 'error', error: new ProviderError('rate_limited', 'Anthropic rate limited the request (HTTP 429)', { status: 429 }) }],
    ]);
    const calls = createProviderCalls({ store, providers: scriptedRegistry(model), logger });
    const reply = calls.modelFor(record, 'MOCK', { turn: 3, purpose: 'reply' });
    if (!reply) throw new Error('no model');
    const streamed = [...(await collect(reply.stream(request()))), ...(await collect(reply.stream(request())))];
    expect(streamed.map((part) => part.type)).toEqual(['text-delta', 'tool-call', 'finish', 'error']);

    const kept = await store.readProviderCalls(record.id);
    expect(kept.map(({ turn, purpose, step, provider }) => ({ turn, purpose, step, provider }))).toEqual([
      { turn: 3, purpose: 'reply', step: 1, provider: 'MOCK' },
      { turn: 3, purpose: 'reply', step: 2, provider: 'MOCK' },
    ]);
    expect(kept[0]?.group).toBe(kept[1]?.group);
    expect(kept[0]?.request).toEqual({
      model: 'claude-test',
      system: 'You are Ada.',
      messages: [{ role: 'user', name: 'Lin', content: 'Weather?' }],
    });
    expect(kept[1]?.parts.map(({ part }) => part)).toEqual([
      { type: 'error', error: { kind: 'rate_limited', message: 'Anthropic rate limited the request (HTTP 429)', status: 429 } },
    ]);
    expect(kept[0]?.parts.every(({ atMs }) => atMs >= 0)).toBe(true);
    // a new reply of the same turn (a re-run) is a new group
    const again = calls.modelFor(record, 'MOCK', { turn: 3, purpose: 'reply' });
    expect(again).toBeDefined();
    expect(again).not.toBe(reply);
  });

  it('records nothing for a discussion created without RECORD_PROVIDER_CALLS', async () => {
    const store = createMemoryStore();
    const record = makeRecord();
    await store.create(record);
    const model = scriptedModel([[{ type: 'finish', finishReason: 'stop', usage: {} }]]);
    const reply = createProviderCalls({ store, providers: scriptedRegistry(model), logger }).modelFor(record, 'MOCK', {
      turn: 0,
      purpose: 'reply',
    });
    if (!reply) throw new Error('no model');
    await collect(reply.stream(request()));
    expect(model.requests).toHaveLength(1);
    expect(await store.readProviderCalls(record.id)).toEqual([]);
  });
});

describe('the REPLAY model', () => {
  async function storeWith(recordings: ProviderCallRecording[]) {
    const store = createMemoryStore();
    const source = makeRecord({ recordCalls: true, status: 'COMPLETED' });
    await store.create(source);
    for (const item of recordings) await store.appendProviderCall(source.id, item);
    return { store, source };
  }

  it('streams a tool loop as one reply: the steps’ texts joined as the loop joins them, usage summed, no calls', async () => {
    const { store, source } = await storeWith([
      recording({
        parts: [
          { atMs: 5, part: { type: 'text-delta', text: 'Let me check.' } },
          { atMs: 6, part: { type: 'tool-call', call: { id: 'c1', name: 'w__now', arguments: {}, argumentsText: '{}' } } },
          { atMs: 7, part: { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 4 } } },
        ],
      }),
      recording({
        step: 2,
        startedAt: '2026-12-01T10:00:00.100Z',
        parts: [
          { atMs: 3, part: { type: 'text-delta', text: 'It is 18 °C.' } },
          { atMs: 4, part: { type: 'finish', finishReason: 'stop', usage: { inputTokens: 20, outputTokens: 6 } } },
        ],
      }),
    ]);
    const clock = fakeClock();
    const model = createReplayModels(store, clock).modelFor({ discussionId: source.id, speed: 2 }, { turn: 0, purpose: 'reply' });
    expect(await collect(model.stream(request()))).toEqual([
      { type: 'text-delta', text: 'Let me check.' },
      { type: 'text-delta', text: '\n\nIt is 18 °C.' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 30, outputTokens: 10 } },
    ]);
    // at twice the pace: 5 ms → 2.5, then 6 and 7 → 3 and 3.5, then the second step 100 ms later (+3, +4) → 51.5 and 52
    expect(clock.waits).toEqual([2.5, 0.5, 0.5, 48, 0.5]);
  });

  it('at speed 0 does not wait; a pick’s n-th call streams the recorded n-th; the last group of a turn counts', async () => {
    const pick = (group: string, step: number, text: string) =>
      recording({
        purpose: 'pick',
        group,
        step,
        parts: [
          { atMs: 50, part: { type: 'text-delta', text } },
          { atMs: 60, part: { type: 'finish', finishReason: 'stop', usage: {} } },
        ],
      });
    const recordings = [pick('old', 1, 'abandoned'), pick('new', 1, 'first'), pick('new', 2, 'second')];
    expect(recordedGroup(recordings, { turn: 0, purpose: 'pick' }).map((item) => item.group)).toEqual(['new', 'new']);
    const { store, source } = await storeWith(recordings);
    const clock = fakeClock();
    const model = createReplayModels(store, clock).modelFor({ discussionId: source.id, speed: 0 }, { turn: 0, purpose: 'pick' });
    const texts = async () => (await collect(model.stream(request()))).flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
    expect(await texts()).toEqual(['first']);
    expect(await texts()).toEqual(['second']);
    expect(clock.waits).toEqual([]);
    // a third answer was never recorded: the call fails, saying so
    const third = await collect(model.stream(request()));
    expect(third).toHaveLength(1);
    expect(third[0]).toMatchObject({ type: 'error', error: { kind: 'bad_request' } });
  });

  it('replays a recorded error as a ProviderError of the same kind, and stops at once when aborted', async () => {
    const { store, source } = await storeWith([
      recording({
        parts: [
          {
            atMs: 1,
            part: { type: 'error', error: { kind: 'server', message: 'OpenAI failed with a server error (HTTP 500)', status: 500 } },
          },
        ],
      }),
      recording({ turn: 1, parts: [{ atMs: 1_000, part: { type: 'text-delta', text: 'never' } }] }),
    ]);
    const models = createReplayModels(store, fakeClock());
    const [failure] = await collect(
      models.modelFor({ discussionId: source.id, speed: 0 }, { turn: 0, purpose: 'reply' }).stream(request()),
    );
    expect(
      failure?.type === 'error' &&
        failure.error instanceof ProviderError &&
        failure.error.kind === 'server' &&
        failure.error.status === 500,
    ).toBe(true);
    const controller = new AbortController();
    controller.abort();
    const aborted = models
      .modelFor({ discussionId: source.id, speed: 1 }, { turn: 1, purpose: 'reply' })
      .stream(request(controller.signal));
    expect(await collect(aborted)).toEqual([]);
  });
});
