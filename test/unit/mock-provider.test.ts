import { describe, expect, it } from 'vitest';
import { composeMockReply, countTokens, createMockModel } from '../../src/providers/mock.js';
import type { ChatRequest, StreamPart } from '../../src/providers/types.js';

const system = 'You are Ada, the Architect.\nYou are taking part in a discussion about: Moving to event sourcing';

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

const request = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'mock-1',
  system,
  messages: [{ role: 'user', name: 'Bob', content: 'I worry about replaying a year of events.' }],
  signal: new AbortController().signal,
  ...overrides,
});

describe('the MOCK provider', () => {
  it('writes a readable reply from the persona, the topic and the message it answers', () => {
    const reply = composeMockReply(request());
    expect(reply).toContain('the Architect');
    expect(reply).toContain('"Moving to event sourcing"');
    expect(reply).toContain('Bob');
    expect(reply).toContain('I worry about replaying a year of events');
    expect(reply).toBe(composeMockReply(request()));
    expect(composeMockReply(request({ messages: [] }))).not.toBe(reply);
  });

  it('streams the reply word by word and reports token counts from the text it saw and wrote', async () => {
    const parts = await collect(createMockModel({ tokenDelayMs: 0 }).stream(request()));
    const deltas = parts.filter((part) => part.type === 'text-delta').map((part) => part.text);
    expect(deltas.length).toBeGreaterThan(10);
    const text = deltas.join('');
    expect(text).toBe(composeMockReply(request()));
    const finish = parts.at(-1);
    expect(finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: countTokens(`${system}\nBob: I worry about replaying a year of events.`), outputTokens: countTokens(text) },
    });
  });

  it('stops at maxTokens with finish reason length', async () => {
    const parts = await collect(createMockModel({ tokenDelayMs: 0 }).stream(request({ maxTokens: 5 })));
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(countTokens(text)).toBeLessThanOrEqual(5);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });

  it('honours cancellation mid-stream', async () => {
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of createMockModel({ tokenDelayMs: 5 }).stream(request({ signal: controller.signal }))) {
      parts.push(part);
      if (parts.length === 3) controller.abort();
    }
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(3);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'cancelled' });
  });

  it('counts words and punctuation as tokens', () => {
    expect(countTokens('Hello, world!')).toBe(4);
    expect(countTokens('')).toBe(0);
  });

  it('counts ASCII text by hand exactly as the Unicode rule does, and falls back to it for other scripts', () => {
    const unicodeRule = (text: string) => text.match(/[\p{L}\p{N}_']+|[^\s\p{L}\p{N}_']/gu)?.length ?? 0;
    const samples = [
      "It's 42 o'clock_now -- isn't it?!",
      '  leading\tand\r\ntrailing\v\f space  ',
      'a,b;c.d(e)[f]{g}<h>=i+j*k/l\\m|n~o`p@q#r$s%t^u&v',
      'naïve café: 東京 and Ünïcode — “quotes”',
      '',
    ];
    for (const sample of samples) expect(countTokens(sample), sample).toBe(unicodeRule(sample));
  });
});
