import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/engine/errors.js';
import { checkVisibleTo, injectOptionsSchema, parseInput } from '../../src/engine/validation.js';

const discussion = {
  agents: [{ name: 'Ada' }, { name: 'Bob' }].map((agent) => ({
    ...agent,
    systemPrompt: '',
    provider: 'MOCK' as const,
    model: 'mock-1',
    stance: 'NONE' as const,
  })),
  humans: [{ name: 'Grace', speaksInTurn: true, waitSeconds: 60 }],
};

/** The field and message of the BAD_USER_INPUT error `run` throws. */
function inputError(run: () => unknown): { field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { field: error.field, message: error.message };
  }
  throw new Error('expected a BAD_USER_INPUT error');
}

const parseVisibleTo = (visibleTo: unknown) => {
  const options = parseInput(injectOptionsSchema, { visibleTo }, 'options');
  return checkVisibleTo(discussion, options.visibleTo, 'options.visibleTo');
};

describe('InjectOptions.visibleTo', () => {
  it('is everyone when null or left out', () => {
    expect(parseVisibleTo(null)).toBeUndefined();
    expect(checkVisibleTo(discussion, parseInput(injectOptionsSchema, {}, 'options').visibleTo, 'options.visibleTo')).toBeUndefined();
  });

  it('keeps agents and humans as configured, ignoring case, and drops duplicates in order', () => {
    expect(parseVisibleTo(['bob', ' Grace ', 'BOB', 'Ada'])).toEqual(['Bob', 'Grace', 'Ada']);
  });

  it('names the entry that is not a participant', () => {
    expect(inputError(() => parseVisibleTo(['Ada', 'Zed']))).toEqual({
      field: 'options.visibleTo[1]',
      message: 'options.visibleTo[1]: "Zed" is not a participant of this discussion',
    });
  });

  it('refuses an empty list, an empty name and more names than any discussion has participants', () => {
    expect(inputError(() => parseVisibleTo([])).field).toBe('options.visibleTo');
    expect(inputError(() => parseVisibleTo(['Ada', '  '])).field).toBe('options.visibleTo[1]');
    expect(inputError(() => parseVisibleTo(Array.from({ length: 25 }, () => 'Ada')))).toEqual({
      field: 'options.visibleTo',
      message: 'options.visibleTo: at most 24 names',
    });
  });
});
