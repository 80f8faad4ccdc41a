import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { initialState } from '../../src/store/records.js';
import type { DiscussionRecord, DiscussionStore, MessageRecord, SpeakerSelection } from '../../src/store/types.js';
import type { ProviderCallRecording } from '../../src/store/provider-call-records.js';

export function makeRecord(overrides: Partial<DiscussionRecord> = {}): DiscussionRecord {
  return {
    id: randomUUID(),
    owner: `owner-${randomUUID()}`,
    createdAt: '2025-03-01T10:00:00.000Z',
    topic: 'Tabs or spaces?',
    protocol: 'ROUND_ROBIN',
    maxRounds: 3,
    agents: [
      { name: 'Ada', systemPrompt: 'You are Ada, a pragmatist.', provider: 'MOCK', model: 'mock-1', stance: 'NONE' },
      {
        name: 'Grace',
        persona: 'skeptic',
        systemPrompt: 'You are Grace, a skeptic.',
        provider: 'OPENAI',
        model: 'gpt-test',
        temperature: 0.7,
        maxTokens: 256,
        stance: 'NONE',
      },
    ],
    humans: [{ name: 'Lin', speaksInTurn: true, waitSeconds: 120 }],
    termination: { stopPhrases: [] },
    ...initialState(),
    ...overrides,
  };
}

export function makeMessage(discussionId: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: randomUUID(),
    discussionId,
    author: 'Ada',
    role: 'AGENT',
    content: 'Spaces, obviously.',
    round: 0,
    turn: 0,
    createdAt: '2025-03-01T10:01:00.000Z',
    ...overrides,
  };
}

export function makeSelection(overrides: Partial<SpeakerSelection> = {}): SpeakerSelection {
  return {
    speaker: 'Grace',
    reason: 'Grace has not answered the last point yet.',
    candidates: ['Ada', 'Grace'],
    attempts: 1,
    fellBack: false,
    at: '2025-03-01T10:02:00.000Z',
    ...overrides,
  };
}

/** Creates a discussion and returns it as given. */
export async function createDiscussion(store: DiscussionStore, overrides: Partial<DiscussionRecord> = {}): Promise<DiscussionRecord> {
  const record = makeRecord(overrides);
  await store.create(record);
  return record;
}

/** Appends an injected (uncommitted) message and returns its cursor. */
export async function inject(store: DiscussionStore, discussionId: string, content: string): Promise<string> {
  const committed = await store.appendMessage(discussionId, makeMessage(discussionId, { content, author: 'Lin', role: 'HUMAN' }));
  if (committed === undefined) throw new Error('append failed');
  return committed.entry.cursor;
}

/** Flips RUNNING and PAUSED and returns the status entry's cursor. */
export async function toggleStatus(store: DiscussionStore, discussionId: string): Promise<string> {
  const record = await store.get(discussionId);
  const to = record?.status === 'RUNNING' ? 'PAUSED' : 'RUNNING';
  const result = await store.transition(discussionId, { from: ['CREATED', 'RUNNING', 'PAUSED'], to });
  if (result === undefined) throw new Error('transition failed');
  return result.entry.cursor;
}

/** Checks paging over exactly two messages, `first` and `second`, with long runs of other entries around them. */
export async function expectTwoMessagesAmongOtherEntries(
  store: DiscussionStore,
  discussionId: string,
  first: string,
  second: string,
): Promise<void> {
  const contents = (page: { items: { message: { content: string } }[] }): string[] => page.items.map((item) => item.message.content);
  const forward = await store.readMessages(discussionId, { after: first, limit: 1, direction: 'forward' });
  expect(forward.items.map((item) => item.cursor)).toEqual([second]);
  expect(forward.hasMore).toBe(false);
  const fromStart = await store.readMessages(discussionId, { limit: 1, direction: 'forward' });
  expect(contents(fromStart)).toEqual(['first']);
  expect(fromStart.hasMore).toBe(true);
  const backward = await store.readMessages(discussionId, { limit: 1, direction: 'backward' });
  expect(contents(backward)).toEqual(['second']);
  expect(backward.hasMore).toBe(true);
  const before = await store.readMessages(discussionId, { before: second, limit: 5, direction: 'backward' });
  expect(contents(before)).toEqual(['first']);
  expect(before.hasMore).toBe(false);
}

/** A recorded provider call: a reply's one step, two deltas and a finish. */
export function makeProviderCall(overrides: Partial<ProviderCallRecording> = {}): ProviderCallRecording {
  return {
    turn: 0,
    purpose: 'reply',
    group: randomUUID(),
    step: 1,
    provider: 'OPENAI',
    startedAt: '2025-03-01T10:03:00.000Z',
    request: { model: 'gpt-test', system: 'You are Grace.', messages: [{ role: 'user', name: 'Ada', content: 'Tabs?' }], maxTokens: 256 },
    parts: [
      { atMs: 120, part: { type: 'text-delta', text: 'Spaces, ' } },
      { atMs: 180, part: { type: 'text-delta', text: 'clearly.' } },
      { atMs: 200, part: { type: 'finish', finishReason: 'stop', usage: { inputTokens: 30, outputTokens: 4 } } },
    ],
    ...overrides,
  };
}
