import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { collectParts, createChatRequest, finishOf, textOf } from '../fake-vendor/stream-parts.js';

describe('provider registry', () => {
  it('configures only MOCK when no key or base URL is set', () => {
    const registry = createProviderRegistry(loadConfig({}).providers);
    expect(
      registry
        .list()
        .filter((info) => info.configured)
        .map((info) => info.name),
    ).toEqual(['MOCK']);
    expect(registry.get('ANTHROPIC')).toBeUndefined();
    expect(registry.get('OPENAI_COMPATIBLE')).toBeUndefined();
    expect(registry.defaultModel('GEMINI')).toBe('gemini-3.5-flash-lite');
  });

  it('configures each vendor by its key, CLAUDE_AGENT by the Anthropic key, OPENAI_COMPATIBLE by its base URL', () => {
    const registry = createProviderRegistry(
      loadConfig({
        ANTHROPIC_API_KEY: 'a',
        OPENAI_API_KEY: 'o',
        GEMINI_API_KEY: 'g',
        OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1',
      }).providers,
    );
    expect(registry.list().every((info) => info.configured)).toBe(true);
    expect(registry.get('CLAUDE_AGENT')?.provider).toBe('CLAUDE_AGENT');
    expect(registry.get('OPENAI_COMPATIBLE')?.provider).toBe('OPENAI_COMPATIBLE');
  });

  describe('wired to the fake vendor through the environment', () => {
    let fake: FakeVendor;
    beforeAll(async () => {
      fake = await startFakeVendor();
    });
    afterAll(async () => {
      await fake.close();
    });

    it.each(['ANTHROPIC', 'OPENAI', 'GEMINI', 'OPENAI_COMPATIBLE'] as const)('%s streams a reply', async (name) => {
      const registry = createProviderRegistry(loadConfig({ ...fake.environment(), PROVIDER_MAX_RETRIES: '0' }).providers);
      const model = registry.get(name);
      if (model === undefined) throw new Error(`${name} is not configured`);
      const parts = await collectParts(model.stream(createChatRequest()));
      expect(textOf(parts)).toBe('Hello from the fake vendor.');
      expect(finishOf(parts)).toEqual({ finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 5 } });
    });
  });
});
