// Small helpers for consuming a ChatModel's stream in tests.
import type { ProviderError } from '../../src/providers/errors.js';
import type { ChatRequest, FinishReason, StreamPart } from '../../src/providers/types.js';
import type { Usage } from '../../src/domain.js';

export async function collectParts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The concatenated text deltas. */
export function textOf(parts: readonly StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
}

/** The stream's last part, which must be its only `finish` part. */
export function finishOf(parts: readonly StreamPart[]): { finishReason: FinishReason; usage: Usage } {
  const last = parts.at(-1);
  if (last?.type !== 'finish') throw new Error(`expected the stream to end with finish, got ${JSON.stringify(last)}`);
  if (parts.filter((part) => part.type !== 'text-delta').length !== 1) throw new Error('expected exactly one terminal part');
  return { finishReason: last.finishReason, usage: last.usage };
}

/** The stream's last part, which must be its only `error` part. */
export function errorOf(parts: readonly StreamPart[]): ProviderError {
  const last = parts.at(-1);
  if (last?.type !== 'error') throw new Error(`expected the stream to end with error, got ${JSON.stringify(last)}`);
  if (parts.filter((part) => part.type !== 'text-delta').length !== 1) throw new Error('expected exactly one terminal part');
  return last.error;
}

/**
 * Streams until the first text delta, aborts, and drains the rest. Returns the
 * parts and how long the stream took to end after the abort.
 */
export async function abortAfterFirstDelta(
  stream: (signal: AbortSignal) => AsyncIterable<StreamPart>,
): Promise<{ parts: StreamPart[]; millisecondsAfterAbort: number }> {
  const controller = new AbortController();
  const parts: StreamPart[] = [];
  let abortedAt: number | undefined;
  for await (const part of stream(controller.signal)) {
    parts.push(part);
    if (part.type === 'text-delta' && abortedAt === undefined) {
      abortedAt = performance.now();
      controller.abort();
    }
  }
  if (abortedAt === undefined) throw new Error('the stream ended before its first text delta');
  return { parts, millisecondsAfterAbort: performance.now() - abortedAt };
}

/** A four-turn transcript with another participant speaking twice in a row. */
export function createChatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'test-model',
    system: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces',
    messages: [
      { role: 'user', name: 'Moderator', content: 'Welcome. Tabs or spaces?' },
      { role: 'user', name: 'Bob', content: 'Tabs, obviously.' },
      { role: 'assistant', name: 'Ada', content: 'Spaces, for alignment.' },
      { role: 'user', name: 'Bob', content: 'Why alignment?' },
    ],
    temperature: 0.4,
    maxTokens: 256,
    signal: new AbortController().signal,
    ...overrides,
  };
}
