import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../src/cli/output.js';

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (chunk: Buffer) => (text.out += chunk.toString()));
  err.on('data', (chunk: Buffer) => (text.err += chunk.toString()));
  return { output: createOutput({ json: false, colour: false, out, err }), text };
}

const message = (id: string, content: string) => ({ id, author: 'Ada', role: 'AGENT', content });

describe("discuss's terminal output", () => {
  it('writes each piece of a streamed message once, however often a token repeats', () => {
    const { output, text } = capture();
    output.token({ messageId: 'm1', author: 'Ada', offset: 0, delta: 'Hello' });
    output.token({ messageId: 'm1', author: 'Ada', offset: 0, delta: 'Hello' });
    output.token({ messageId: 'm1', author: 'Ada', offset: 3, delta: 'lo world' });
    output.message(message('m1', 'Hello world'));
    expect(text.out).toBe('Ada: Hello world\n\n');
  });

  it('writes the whole message at its commit when tokens skipped part of it (joined mid-message or reconnected)', () => {
    const { output, text } = capture();
    output.token({ messageId: 'm1', author: 'Ada', offset: 10, delta: ' world.' });
    output.message(message('m1', 'Hello big world.'));
    expect(text.out).toBe('Ada: …  world.\n\nAda: Hello big world.\n\n');
  });

  it('writes a progress line once per distinct state, on stderr', () => {
    const { output, text } = capture();
    const running = { status: 'RUNNING', stopReason: null, currentRound: 1, maxRounds: 2, nextSpeaker: 'Ada', usage: { totalTokens: 10 } };
    output.progress(running);
    output.progress(running);
    output.progress({ ...running, status: 'WAITING_FOR_HUMAN', nextSpeaker: 'Hana' });
    expect(text.err).toBe(
      '— RUNNING · round 1/2 · 10 tokens\n— WAITING_FOR_HUMAN · round 1/2 · 10 tokens · waiting for Hana: answer with injectMessage\n',
    );
    expect(text.out).toBe('');
  });
});
