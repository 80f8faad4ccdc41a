import { describe, expect, it } from 'vitest';
import { buildSystemPrompt, buildTranscript, describeRole, resolvePersonaPrompt } from '../../src/engine/prompt.js';
import { findPersonaTemplate } from '../../src/engine/personas.js';
import type { AgentConfig, MessageRecord } from '../../src/store/types.js';

const agent = (name: string, persona?: string): AgentConfig => ({
  name,
  persona,
  systemPrompt: resolvePersonaPrompt(persona, undefined),
  provider: 'MOCK',
  model: 'mock-1',
  stance: 'NONE',
});

const message = (author: string, role: MessageRecord['role'], content: string): MessageRecord => ({
  id: `${author}-${content}`,
  discussionId: 'd',
  author,
  role,
  content,
  round: 1,
  turn: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('persona resolution', () => {
  it('finds templates by name ignoring case; free text becomes the role; systemPrompt overrides both', () => {
    expect(findPersonaTemplate('  security REVIEWER ')?.name).toBe('Security Reviewer');
    expect(resolvePersonaPrompt('skeptic', undefined)).toBe(findPersonaTemplate('Skeptic')?.systemPrompt);
    expect(resolvePersonaPrompt('A retired air traffic controller.', undefined)).toBe('Your role: A retired air traffic controller.');
    expect(resolvePersonaPrompt('Skeptic', 'Only speak in haiku.')).toBe('Only speak in haiku.');
    expect(describeRole('Skeptic')).toBe('the Skeptic');
    expect(describeRole('A retired air traffic controller. Loves checklists.')).toBe('A retired air traffic controller');
    expect(describeRole(undefined)).toBe('a participant in this discussion');
  });
});

describe('the prompt an agent sees', () => {
  const ada = agent('Ada', 'Architect');
  const discussion = {
    topic: 'Monorepo or many repos?',
    agents: [ada, agent('Bob', 'Skeptic')],
    humans: [{ name: 'Grace', speaksInTurn: false, waitSeconds: 120 }],
  };

  it('names the agent, its persona, the topic and the other participants', () => {
    const prompt = buildSystemPrompt(discussion, ada);
    expect(prompt.split('\n')[0]).toBe('You are Ada, the Architect.');
    expect(prompt).toContain(findPersonaTemplate('Architect')?.systemPrompt);
    expect(prompt).toContain('discussion about: Monorepo or many repos?');
    expect(prompt).toContain('Other participants: Bob, Grace.');
  });

  it("shows the agent's own turns as assistant and everyone else's as named user turns, without system notes", () => {
    const transcript = buildTranscript(
      [
        message('user', 'HUMAN', 'Go.'),
        message('Ada', 'AGENT', 'One repo.'),
        message('system', 'SYSTEM', "Bob's turn failed"),
        message('Bob', 'AGENT', 'Many.'),
      ],
      'Ada',
    );
    expect(transcript).toEqual([
      { role: 'user', name: 'user', content: 'Go.' },
      { role: 'assistant', name: 'Ada', content: 'One repo.' },
      { role: 'user', name: 'Bob', content: 'Many.' },
    ]);
  });
});

describe('private messages in the transcript', () => {
  const note = (visibleTo: string[]): MessageRecord => ({ ...message('Grace', 'HUMAN', `for ${visibleTo.join('+')}`), visibleTo });
  const messages = [message('user', 'HUMAN', 'Go.'), note(['Ada']), note(['Bob', 'Mia']), message('Ada', 'AGENT', 'One repo.')];
  const contents = (agentName: string) => buildTranscript(messages, agentName).map((turn) => turn.content);

  it('holds a private message only for the participants it names, by their exact configured name', () => {
    expect(contents('Ada')).toEqual(['Go.', 'for Ada', 'One repo.']);
    expect(contents('Bob')).toEqual(['Go.', 'for Bob+Mia', 'One repo.']);
    expect(contents('Mia')).toEqual(['Go.', 'for Bob+Mia', 'One repo.']);
    expect(contents('ada')).toEqual(['Go.', 'One repo.']);
  });

  it('gives the OPEN selector, which passes no name, no private message', () => {
    expect(contents('')).toEqual(['Go.', 'One repo.']);
  });
});
