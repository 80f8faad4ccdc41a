import { describe, expect, it } from 'vitest';
import { costText, usageText } from './format';

describe('usage and cost as the live view shows them', () => {
  it('adds the cost the server priced, and nothing when it could not', () => {
    expect(usageText({ inputTokens: 1000, outputTokens: 234, totalTokens: 1234, costUsd: 0.01234 })).toBe(
      '1,234 tokens (1,000 in, 234 out), $0.0123',
    );
    expect(usageText({ inputTokens: 1000, outputTokens: 234, totalTokens: 1234, costUsd: null })).toBe('1,234 tokens (1,000 in, 234 out)');
    expect(usageText({ inputTokens: null, outputTokens: null, totalTokens: null, costUsd: null })).toBe('usage not reported');
  });

  it('shows four decimals below a dollar and cents above, and 0 as $0.0000', () => {
    expect(costText(0)).toBe('$0.0000');
    expect(costText(12.3456)).toBe('$12.35');
    expect(costText(undefined)).toBeUndefined();
  });
});
