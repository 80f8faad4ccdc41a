import { describe, expect, it } from 'vitest';
import { estimateTokens, estimateTurnTokens, fitTranscript } from '../../src/engine/context-budget.js';
import { planTurn, speakerName } from '../../src/engine/protocols.js';
import type { ChatTurn } from '../../src/providers/types.js';
import { initialState } from '../../src/store/records.js';
import type { AgentConfig, DiscussionRecord } from '../../src/store/types.js';

const agent = (name: string, stance: AgentConfig['stance'] = 'NONE'): AgentConfig => ({
  name,
  stance,
  provider: 'MOCK',
  model: 'mock-1',
  systemPrompt: '',
});

const record = (overrides: Partial<DiscussionRecord>): DiscussionRecord => ({
  id: 'd',
  owner: 'public',
  createdAt: '2026-01-01T00:00:00.000Z',
  topic: 't',
  protocol: 'ROUND_ROBIN',
  maxRounds: 2,
  agents: [agent('Ada'), agent('Bob')],
  humans: [],
  termination: { stopPhrases: [] },
  ...initialState(),
  status: 'RUNNING',
  ...overrides,
});

const speakers = (base: Partial<DiscussionRecord>, turns: number) =>
  Array.from({ length: turns }, (_, turn) => {
    const plan = planTurn(record({ ...base, turn }));
    return plan.kind === 'speak'
      ? `${speakerName(plan.speaker)}@${plan.round}${plan.final ? `!${plan.final}` : ''}`
      : plan.kind === 'conclude'
        ? plan.stopReason
        : 'select';
  });

describe('turn plans', () => {
  it('ROUND_ROBIN puts humans who speak in turn after the agents', () => {
    expect(
      speakers(
        {
          humans: [
            { name: 'Grace', speaksInTurn: true, waitSeconds: 5 },
            { name: 'Olaf', speaksInTurn: false, waitSeconds: 5 },
          ],
        },
        7,
      ),
    ).toEqual(['Ada@1', 'Bob@1', 'Grace@1', 'Ada@2', 'Bob@2', 'Grace@2', 'max_rounds']);
  });

  it('DEBATE alternates the sides, a longer side finishing alone, then each judge in order', () => {
    const agents = [agent('P1', 'PRO'), agent('P2', 'PRO'), agent('C1', 'CON'), agent('J1', 'JUDGE'), agent('J2', 'JUDGE')];
    expect(speakers({ protocol: 'DEBATE', maxRounds: 1, agents }, 6)).toEqual([
      'P1@1',
      'C1@1',
      'P2@1',
      'J1@1',
      'J2@1!judge_concluded',
      'judge_concluded',
    ]);
  });

  it('MODERATED: the moderator opens, selection follows, and the summary ends the rounds', () => {
    const agents = [agent('Mo', 'MODERATOR'), agent('Ada'), agent('Bob')];
    expect(speakers({ protocol: 'MODERATED', maxRounds: 1, agents }, 4)).toEqual(['Mo@1', 'select', 'select', 'Mo@1!max_rounds']);
  });

  it('OPEN never offers the previous speaker while someone else can speak', () => {
    const plan = planTurn(record({ protocol: 'OPEN', agents: [agent('Ada'), agent('Bob'), agent('Cleo')] }), 'Bob');
    expect(plan.kind === 'select' && plan.candidates.map(speakerName)).toEqual(['Ada', 'Cleo']);
    expect(plan.kind === 'select' && speakerName(plan.fallback)).toBe('Cleo');
    const alone = planTurn(record({ protocol: 'OPEN', agents: [agent('Ada')] }), 'Ada');
    expect(alone.kind === 'select' && alone.candidates.map(speakerName)).toEqual(['Ada']);
  });
});

describe('fitTranscript', () => {
  const turns: ChatTurn[] = Array.from({ length: 200 }, (_, index) => ({
    role: index % 2 ? 'assistant' : 'user',
    name: index % 2 ? 'Ada' : 'Bob',
    content: `Message number ${index}. `.repeat(10),
  }));
  const cost = (system: string, list: ChatTurn[]) =>
    estimateTokens(system) + 8 + list.reduce((sum, turn) => sum + estimateTurnTokens(turn), 0);

  it('leaves a transcript that fits as it is', () => {
    expect(fitTranscript('system', turns.slice(0, 3), 100_000)).toEqual(turns.slice(0, 3));
  });

  it('keeps the first message, notes how many were left out, and keeps the latest turns within budget', () => {
    const fitted = fitTranscript('a system prompt', turns, 2_000);
    expect(cost('a system prompt', fitted)).toBeLessThanOrEqual(2_000);
    expect(fitted[0]).toEqual(turns[0]);
    expect(fitted[1]?.content).toMatch(/^\((\d+) earlier messages are left out/);
    const left = Number(/\((\d+)/.exec(fitted[1]?.content ?? '')?.[1]);
    expect(fitted.at(-1)).toEqual(turns.at(-1));
    expect(left + fitted.length - 2).toBe(turns.length - 1);
  });

  it('shortens a huge last message rather than sending nothing of it', () => {
    const huge: ChatTurn[] = [...turns.slice(0, 1), { role: 'user', name: 'Bob', content: 'x'.repeat(50_000) }];
    const fitted = fitTranscript('s', huge, 1_000);
    expect(cost('s', fitted)).toBeLessThanOrEqual(1_000);
    expect(fitted.at(-1)?.content.startsWith('xxx')).toBe(true);
  });
});
