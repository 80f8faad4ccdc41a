import { describe, expect, it } from 'vitest';
import { transcriptMarkdown } from '../../src/engine/transcript-markdown.js';
import type { DiscussionRecord, MessageRecord } from '../../src/store/types.js';

const discussion: DiscussionRecord = {
  id: 'd1',
  owner: 'public',
  createdAt: '2026-12-06T10:00:00.000Z',
  finishedAt: '2026-12-06T10:05:00.000Z',
  topic: 'Ship | or_not',
  protocol: 'DEBATE',
  maxRounds: 3,
  agents: [{ name: 'Ada', persona: 'Architect', systemPrompt: 'x', provider: 'OPENAI', model: 'gpt-4.1-mini', stance: 'PRO' }],
  humans: [{ name: 'Hana', speaksInTurn: true, waitSeconds: 60 }],
  termination: { stopPhrases: [] },
  status: 'FAILED',
  turn: 2,
  currentRound: 1,
  messageCount: 2,
  usage: {},
  agentUsage: {},
  consecutiveFailures: 3,
  stopReason: 'consecutive_failures',
  error: '3 turns failed in a row',
};

const message = (overrides: Partial<MessageRecord>): MessageRecord => ({
  id: 'm',
  discussionId: 'd1',
  author: 'Ada',
  role: 'AGENT',
  content: 'text',
  round: 1,
  turn: 0,
  createdAt: '2026-12-06T10:01:00.000Z',
  ...overrides,
});

describe('transcriptMarkdown', () => {
  it('names humans, an error, a cut-short reply and usage no provider reported, and escapes inline Markdown', () => {
    const markdown = transcriptMarkdown(discussion, [
      message({ id: 'm1', provider: 'OPENAI', model: 'gpt-4.1-mini', content: 'Half', finishReason: 'cancelled' }),
      message({ id: 'm2', author: 'system', role: 'SYSTEM', content: "Ada's turn failed", turn: 1 }),
    ]);
    expect(markdown).toContain('# Ship \\| or\\_not\n');
    expect(markdown).toContain('- Participants: Ada (OPENAI, gpt-4.1-mini, Architect), Hana (human)');
    expect(markdown).toContain('- Usage: usage not reported');
    expect(markdown).toContain('- Error: 3 turns failed in a row');
    expect(markdown).toContain('**Ada** · agent · OPENAI gpt-4.1-mini · usage not reported · ended: cancelled\n\n> Half');
    expect(markdown).toContain("**system** · system\n\n> Ada's turn failed");
    expect(markdown.endsWith('\n')).toBe(true);
  });
});
