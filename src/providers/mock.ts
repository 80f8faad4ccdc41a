import { findMockToolCall, reportMockToolResults } from './mock-tools.js';
import { createPauses } from './stream-control.js';
import type { ChatModel, ChatRequest, StreamPart } from './types.js';

export interface MockOptions {
  /** Pause between streamed words, so a person can watch the reply arrive. */
  tokenDelayMs: number;
}

const TOKEN_PATTERN = /[\p{L}\p{N}_']+|[^\s\p{L}\p{N}_']/gu;

/** ASCII letters, digits, `_` and `'`: the characters a word is made of. */
function isAsciiWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 39;
}

/** ASCII whitespace as `\s` sees it: space, tab, line feed, vertical tab, form feed, carriage return. */
function isAsciiSpaceCode(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * Rough token count of a text: words and punctuation marks, as a tokenizer
 * would see them. ASCII text is scanned by hand (the Unicode regex cost more
 * than a real vendor's HTTP parsing); other scripts go through the regex.
 */
export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let position = 0; position < text.length; position++) {
    const code = text.charCodeAt(position);
    if (code > 127) return text.match(TOKEN_PATTERN)?.length ?? 0;
    if (isAsciiWordCode(code)) {
      if (!inWord) count += 1;
      inWord = true;
    } else {
      inWord = false;
      if (!isAsciiSpaceCode(code)) count += 1;
    }
  }
  return count;
}

/** FNV-1a: a small stable hash so the same prompt always gets the same reply. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

const OPENINGS = [
  'From where I sit as {role}, "{topic}" comes down to one thing: what we can still change cheaply later.',
  'Speaking as {role}, I would frame "{topic}" around the risks we can measure today.',
  'As {role}, my first question about "{topic}" is who carries the cost when it goes wrong.',
  'Looking at "{topic}" as {role}, I would start small and let real usage tell us where to invest.',
];
const REACTIONS = [
  '{speaker}, you said "{quote}", and I agree with the direction but not the pace.',
  'I want to push back on {speaker}: "{quote}" assumes the hard part is already solved.',
  'Building on what {speaker} said about "{quote}", we should write down how we would know it worked.',
  '{speaker} made a fair point with "{quote}"; the trade-off is time to first result.',
];
const CLOSINGS = [
  'My proposal is to agree on one measurable goal before we pick tools.',
  'I suggest we list the two options side by side and compare their failure modes.',
  'Let us keep the first version boring and revisit once we have numbers.',
  'We should decide who owns this and set a date to review it.',
];

function pick<T>(items: readonly T[], seed: number, salt: number): T {
  const item = items[(seed >>> salt) % items.length];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}

function quoteOf(content: string): string {
  const words = content.replace(/\s+/g, ' ').trim().split(' ');
  const quote = words
    .slice(0, 8)
    .join(' ')
    .replace(/[.,;:!?"]+$/, '');
  return words.length > 8 ? `${quote}…` : quote;
}

/**
 * Writes the reply the way a model would read its prompt: the role and topic
 * come from the system prompt, the reaction from the last message it answers.
 */
export function composeMockReply(request: Pick<ChatRequest, 'system' | 'messages'>): string {
  const role = /^You are [^,\n]+, ([^\n]+?)\.?$/m.exec(request.system)?.[1] ?? 'a participant';
  const topic = /discussion about: (.+)$/m.exec(request.system)?.[1]?.trim() ?? 'this topic';
  const last = [...request.messages].reverse().find((turn) => turn.role === 'user');
  const seed = hash(`${request.system}\n${request.messages.length}\n${last?.content ?? ''}`);
  const sentences = [fill(pick(OPENINGS, seed, 0), { role, topic })];
  if (last) {
    sentences.push(fill(pick(REACTIONS, seed, 8), { speaker: last.name, quote: quoteOf(last.content) }));
  }
  sentences.push(pick(CLOSINGS, seed, 16));
  return sentences.join(' ');
}

/**
 * A pick of the next speaker when asked as a selector (the orchestrator's last
 * line lists the allowed names): a name the transcript has heard least from,
 * or CONCLUDE once everyone has spoken twice, when that is allowed.
 */
export function composeMockSelection(request: Pick<ChatRequest, 'messages'>): string | undefined {
  const last = request.messages.at(-1);
  const listed = last?.role === 'user' ? /exactly one of: (.+)\.$/m.exec(last.content)?.[1] : undefined;
  if (!listed) return undefined;
  const allowed = listed.split(', ');
  const candidates = allowed.filter((name) => name !== 'CONCLUDE');
  const spoken = (name: string) => request.messages.filter((turn) => turn.name === name).length;
  if (allowed.includes('CONCLUDE') && candidates.every((name) => spoken(name) >= 2)) {
    return JSON.stringify({ speaker: 'CONCLUDE', reason: 'Everyone has been heard twice.' });
  }
  const quietest = [...candidates].sort((a, b) => spoken(a) - spoken(b))[0];
  return JSON.stringify({ speaker: quietest, reason: `${quietest} has spoken least so far.` });
}

/** The offline provider: deterministic replies (and speaker picks) streamed word by word, real token counts. */
export function createMockModel({ tokenDelayMs }: MockOptions): ChatModel {
  return {
    provider: 'MOCK',
    async *stream(request): AsyncGenerator<StreamPart> {
      const results = (request.toolSteps ?? []).flatMap((step) => step.results.map((result) => result.content));
      const seen = [request.system, ...request.messages.map((turn) => `${turn.name}: ${turn.content}`), ...results].join('\n');
      const inputTokens = countTokens(seen);
      const call = findMockToolCall(request);
      if (call) {
        yield { type: 'tool-call', call };
        yield { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens, outputTokens: countTokens(call.argumentsText) } };
        return;
      }
      const report = reportMockToolResults(request.toolSteps ?? [], request.tools);
      const composed = (request.responseFormat === 'json' ? composeMockSelection(request) : undefined) ?? composeMockReply(request);
      const reply = report === '' ? composed : `${report} ${composed}`;
      const chunks = reply.match(/\S+\s*/g) ?? [];
      const limit = request.maxTokens;
      // Chunks split at whitespace, so their token counts add up to the reply's.
      let outputTokens = 0;
      const pauses = createPauses(request.signal);
      try {
        for (const chunk of chunks) {
          if (request.signal.aborted) break;
          const chunkTokens = countTokens(chunk);
          if (limit !== undefined && outputTokens + chunkTokens > limit) {
            yield { type: 'finish', finishReason: 'length', usage: { inputTokens, outputTokens } };
            return;
          }
          if (tokenDelayMs > 0) await pauses.pause(tokenDelayMs);
          if (request.signal.aborted) break;
          outputTokens += chunkTokens;
          yield { type: 'text-delta', text: chunk };
        }
      } finally {
        pauses.close();
      }
      const finishReason = request.signal.aborted ? 'cancelled' : 'stop';
      yield { type: 'finish', finishReason, usage: { inputTokens, outputTokens } };
    },
  };
}
