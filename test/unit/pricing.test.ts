import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createPricing, readPriceFile } from '../../src/pricing/pricing.js';
import { PRICE_TABLE } from '../../src/pricing/price-table.js';

const writeJson = (value: unknown): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'pricing-')), 'prices.json');
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('pricing', () => {
  const pricing = createPricing();

  it('prices the default model of every vendor and the Claude Agent SDK at Anthropic’s', () => {
    // the defaults as the service reads them: a new default without a price fails here
    const { anthropic, openai, gemini, claudeAgent } = loadConfig({}).providers;
    for (const [provider, model] of [
      ['ANTHROPIC', anthropic.model],
      ['OPENAI', openai.model],
      ['GEMINI', gemini.model],
      ['CLAUDE_AGENT', claudeAgent.model],
    ] as const) {
      expect(pricing.priceOf(provider, model), `${provider} ${model}`).toEqual(PRICE_TABLE.models[provider]?.[model]);
      expect(pricing.priceOf(provider, model)?.outputPerMillion).toBeGreaterThan(0);
    }
    expect(pricing.priceOf('CLAUDE_AGENT', 'claude-haiku-4-5')).toEqual(pricing.priceOf('ANTHROPIC', 'claude-haiku-4-5'));
  });

  it('matches a vendor’s dated snapshot name to its model, and nothing else', () => {
    const base = pricing.priceOf('OPENAI', 'gpt-4.1-mini');
    expect(pricing.priceOf('OPENAI', 'gpt-4.1-mini-2025-04-14')).toEqual(base);
    expect(pricing.priceOf('ANTHROPIC', 'claude-sonnet-4-5-20250929')).toEqual(pricing.priceOf('ANTHROPIC', 'claude-sonnet-4-5'));
    expect(pricing.priceOf('GEMINI', 'gemini-2.5-flash-001')).toEqual(pricing.priceOf('GEMINI', 'gemini-2.5-flash'));
    expect(pricing.priceOf('OPENAI', 'gpt-4.1-mini-custom')).toBeUndefined();
    expect(pricing.priceOf('OPENAI_COMPATIBLE', 'llama3.1')).toBeUndefined();
    // A model's price is its provider's: the same name under another provider is not priced.
    expect(pricing.priceOf('GEMINI', 'gpt-4.1-mini')).toBeUndefined();
  });

  it('costs what the tokens cost, and nothing when a price or a count is unknown', () => {
    const price = pricing.priceOf('ANTHROPIC', 'claude-sonnet-4-6');
    if (!price) throw new Error('no price for the Anthropic default');
    const usage = { inputTokens: 1_200, outputTokens: 300 };
    expect(pricing.costOf('ANTHROPIC', 'claude-sonnet-4-6', usage)).toBeCloseTo(
      (1_200 * price.inputPerMillion + 300 * price.outputPerMillion) / 1e6,
      12,
    );
    expect(pricing.costOf('ANTHROPIC', 'claude-sonnet-4-6', { inputTokens: 1_200 })).toBeUndefined();
    expect(pricing.costOf('ANTHROPIC', 'claude-sonnet-4-6', undefined)).toBeUndefined();
    expect(pricing.costOf('OPENAI_COMPATIBLE', 'llama3.1', usage)).toBeUndefined();
    expect(pricing.costOf('MOCK', 'any-name-at-all', usage)).toBe(0);
  });

  it('takes PRICING_FILE over the table, model by model, and adds models', () => {
    const overridden = createPricing(
      readPriceFile(
        writeJson({
          OPENAI: { 'gpt-4.1-mini': { inputPerMillion: 1, outputPerMillion: 2 } },
          OPENAI_COMPATIBLE: { 'llama3.1': { inputPerMillion: 0.05, outputPerMillion: 0.1 } },
        }),
      ),
    );
    expect(overridden.costOf('OPENAI', 'gpt-4.1-mini', { inputTokens: 1e6, outputTokens: 1e6 })).toBe(3);
    expect(overridden.costOf('OPENAI_COMPATIBLE', 'llama3.1', { inputTokens: 2e6, outputTokens: 0 })).toBeCloseTo(0.1, 12);
    // Rows the file does not name keep the table's price.
    expect(overridden.priceOf('OPENAI', 'gpt-4.1')).toEqual(pricing.priceOf('OPENAI', 'gpt-4.1'));
  });

  it('refuses a bad PRICING_FILE, naming the file and the field', () => {
    const negative = writeJson({ GEMINI: { 'gemini-2.5-flash': { inputPerMillion: -1, outputPerMillion: 2 } } });
    expect(() => readPriceFile(negative)).toThrow(ConfigError);
    expect(() => readPriceFile(negative)).toThrow(/PRICING_FILE: .*prices\.json: GEMINI\.gemini-2\.5-flash\.inputPerMillion/);
    expect(() => readPriceFile(writeJson({ NOPE: {} }))).toThrow(/PRICING_FILE: .*NOPE/);
    expect(() => readPriceFile(writeJson('{ not json'))).toThrow(/PRICING_FILE: .* is not JSON/);
    expect(() => readPriceFile('/nonexistent/prices.json')).toThrow(/PRICING_FILE: cannot read \/nonexistent\/prices\.json/);
  });
});
