import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName, Usage } from '../../src/domain.js';
import {
  costOfUsage,
  discussionCost,
  modelCost,
  pricedByModel,
  pricedDiscussion,
  type DiscussionCostParts,
} from '../../src/pricing/cost.js';
import { PRICE_TABLE } from '../../src/pricing/price-table.js';
import { createPricing, type ModelPrice } from '../../src/pricing/pricing.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { parseSelectorUsageKey, selectorUsageKey } from '../../src/store/records.js';
import { createRedisStore } from '../../src/store/redis-store.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion, makeMessage, makeSelection } from '../store/fixtures.js';
import { deleteKeys, TEST_REDIS_URL } from '../support/app.js';

const pricing = createPricing();

function tablePrice(provider: ProviderName, model: string): ModelPrice {
  const price = PRICE_TABLE.models[provider]?.[model];
  if (price === undefined) throw new Error(`${provider}/${model} is not in the price table`);
  return price;
}

/** What the table says `usage` costs: tokens times the price per token. */
const expectedCost = (provider: ProviderName, model: string, { inputTokens = 0, outputTokens = 0 }: Usage): number => {
  const price = tablePrice(provider, model);
  return (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
};

const agent = (name: string, provider: ProviderName, model: string) => ({
  name,
  systemPrompt: `You are ${name}.`,
  provider,
  model,
  stance: 'NONE' as const,
});

/** Ada on Anthropic and Bob on OpenAI, with an OpenAI pick and a Gemini one; every token belongs to a part. */
function pricedParts(): DiscussionCostParts {
  return {
    agents: [agent('Ada', 'ANTHROPIC', 'claude-haiku-4-5'), agent('Bob', 'OPENAI', 'gpt-4.1-mini')],
    agentUsage: { Ada: { inputTokens: 1200, outputTokens: 340 }, Bob: { inputTokens: 900, outputTokens: 120 } },
    selectorUsage: {
      'OPENAI/gpt-4.1-nano': { inputTokens: 300, outputTokens: 20 },
      'GEMINI/gemini-2.5-flash': { inputTokens: 150, outputTokens: 9 },
    },
    usage: { inputTokens: 2550, outputTokens: 489 },
  };
}

describe('cost helpers', () => {
  it('prices one model’s usage at the table’s price, and gives undefined without a price, a count or a model', () => {
    const usage = { inputTokens: 1234, outputTokens: 567 };
    expect(modelCost(pricing, 'OPENAI', 'gpt-4.1-mini', usage)).toBe(expectedCost('OPENAI', 'gpt-4.1-mini', usage));
    expect(modelCost(pricing, 'OPENAI', 'gpt-4.1-mini', usage)).toBeGreaterThan(0);
    expect(modelCost(pricing, 'OPENAI_COMPATIBLE', 'made-up-model', usage)).toBeUndefined();
    expect(modelCost(pricing, 'OPENAI', 'gpt-4.1-mini', { inputTokens: 1234 })).toBeUndefined();
    expect(modelCost(pricing, 'OPENAI', 'gpt-4.1-mini', {})).toBeUndefined();
    expect(modelCost(pricing, undefined, 'gpt-4.1-mini', usage)).toBeUndefined();
    expect(modelCost(pricing, 'OPENAI', undefined, usage)).toBeUndefined();
    expect(modelCost(pricing, 'MOCK', 'mock-1', usage)).toBe(0);
  });

  it('sums a discussion over every agent and every picking model', () => {
    const parts = pricedParts();
    const expected =
      expectedCost('ANTHROPIC', 'claude-haiku-4-5', { inputTokens: 1200, outputTokens: 340 }) +
      expectedCost('OPENAI', 'gpt-4.1-mini', { inputTokens: 900, outputTokens: 120 }) +
      expectedCost('OPENAI', 'gpt-4.1-nano', { inputTokens: 300, outputTokens: 20 }) +
      expectedCost('GEMINI', 'gemini-2.5-flash', { inputTokens: 150, outputTokens: 9 });
    expect(discussionCost(pricing, parts)).toBeCloseTo(expected, 12);
    expect(expected).toBeGreaterThan(0);
  });

  it('gives a discussion no cost when a part that used tokens has no price or misses a count', () => {
    const unpricedAgent = pricedParts();
    unpricedAgent.agents[1] = agent('Bob', 'OPENAI_COMPATIBLE', 'made-up-model');
    expect(discussionCost(pricing, unpricedAgent)).toBeUndefined();

    const unpricedPicker = pricedParts();
    unpricedPicker.selectorUsage = { 'OPENAI_COMPATIBLE/made-up-model': { inputTokens: 450, outputTokens: 29 } };
    expect(discussionCost(pricing, unpricedPicker)).toBeUndefined();

    const inputOnly = pricedParts();
    inputOnly.agentUsage.Bob = { inputTokens: 900 };
    inputOnly.usage = { inputTokens: 2550, outputTokens: 369 };
    expect(discussionCost(pricing, inputOnly)).toBeUndefined();
  });

  it('ignores an agent that used no tokens, even an unpriced one', () => {
    const parts = pricedParts();
    parts.agents.push(agent('Quiet', 'OPENAI_COMPATIBLE', 'made-up-model'));
    expect(discussionCost(pricing, parts)).toBeCloseTo(discussionCost(pricing, pricedParts()) ?? Number.NaN, 12);
  });

  it('gives no cost when some of the totals belong to no part (a pick that did not name its model)', () => {
    const parts = pricedParts();
    parts.usage = { inputTokens: 2550 + 40, outputTokens: 489 + 3 };
    expect(discussionCost(pricing, parts)).toBeUndefined();
    const unknownAuthor = pricedParts();
    unknownAuthor.agentUsage.Ghost = { inputTokens: 1, outputTokens: 1 };
    unknownAuthor.usage = { inputTokens: 2551, outputTokens: 490 };
    expect(discussionCost(pricing, unknownAuthor)).toBeUndefined();
  });

  it('gives a discussion that used nothing yet no cost: its counts are null too', () => {
    expect(discussionCost(pricing, { agents: [agent('Ada', 'MOCK', 'mock-1')], agentUsage: {}, usage: {} })).toBeUndefined();
  });

  it('prices a MOCK discussion at 0', () => {
    const usage = { inputTokens: 80, outputTokens: 40 };
    const parts: DiscussionCostParts = {
      agents: [agent('Ada', 'MOCK', 'mock-1')],
      agentUsage: { Ada: usage },
      selectorUsage: { [selectorUsageKey('MOCK', 'mock-1')]: { inputTokens: 10, outputTokens: 2 } },
      usage: { inputTokens: 90, outputTokens: 42 },
    };
    expect(discussionCost(pricing, parts)).toBe(0);
  });

  it('costOfUsage prices each kind with its own rule', () => {
    const usage = { inputTokens: 10, outputTokens: 5 };
    expect(costOfUsage(pricing, pricedByModel(usage, 'GEMINI', 'gemini-2.5-pro'))).toBe(expectedCost('GEMINI', 'gemini-2.5-pro', usage));
    const parts = pricedParts();
    expect(costOfUsage(pricing, pricedDiscussion(parts))).toBe(discussionCost(pricing, parts));
    // A PRICING_FILE price is the one used.
    const overridden = createPricing({ OPENAI_COMPATIBLE: { 'made-up-model': { inputPerMillion: 2, outputPerMillion: 4 } } });
    expect(costOfUsage(overridden, pricedByModel(usage, 'OPENAI_COMPATIBLE', 'made-up-model'))).toBe((10 * 2 + 5 * 4) / 1_000_000);
  });

  it('reads back the provider and model of a selector-usage key, a model with a slash included', () => {
    expect(parseSelectorUsageKey(selectorUsageKey('OPENAI_COMPATIBLE', 'meta/llama-3.1'))).toEqual({
      provider: 'OPENAI_COMPATIBLE',
      model: 'meta/llama-3.1',
    });
    expect(parseSelectorUsageKey('NOT_A_PROVIDER/x')).toBeUndefined();
    expect(parseSelectorUsageKey('no-slash')).toBeUndefined();
    const parts = pricedParts();
    parts.selectorUsage = { 'NOT_A_PROVIDER/x': { inputTokens: 450, outputTokens: 29 } };
    expect(discussionCost(pricing, parts)).toBeUndefined();
  });
});

const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const redisPrefix = `test:${randomUUID()}:`;

beforeAll(async () => {
  await redis.connect();
});
afterAll(async () => {
  await deleteKeys(TEST_REDIS_URL, redisPrefix);
  await redis.quit();
});

describe.each([
  { name: 'memory', make: (): DiscussionStore => createMemoryStore() },
  { name: 'redis', make: (): DiscussionStore => createRedisStore({ redis, keyPrefix: `${redisPrefix}${randomUUID()}:` }) },
])('the $name store keeps who picked', ({ make }) => {
  it('round-trips a pick’s provider and model, and sums pick usage per picking model', async () => {
    const store = make();
    const record = await createDiscussion(store, { status: 'RUNNING' });
    const byNano = makeSelection({ provider: 'OPENAI', model: 'gpt-4.1-nano', usage: { inputTokens: 30, outputTokens: 4 } });
    const entry = await store.appendSelection(record.id, byNano);
    expect(entry?.selection).toStrictEqual(byNano);
    await store.appendSelection(
      record.id,
      makeSelection({ provider: 'OPENAI', model: 'gpt-4.1-nano', usage: { inputTokens: 5, outputTokens: 1 } }),
    );
    await store.appendSelection(record.id, makeSelection({ provider: 'GEMINI', model: 'gemini-2.5-flash', usage: { outputTokens: 2 } }));
    // Without a model the usage still counts in the totals, but belongs to no picker.
    await store.appendSelection(record.id, makeSelection({ usage: { inputTokens: 100, outputTokens: 100 } }));
    // A pick that reported nothing leaves no entry.
    await store.appendSelection(record.id, makeSelection({ provider: 'ANTHROPIC', model: 'claude-haiku-4-5' }));

    const stored = await store.get(record.id);
    expect(stored?.selectorUsage).toStrictEqual({
      'OPENAI/gpt-4.1-nano': { inputTokens: 35, outputTokens: 5 },
      'GEMINI/gemini-2.5-flash': { outputTokens: 2 },
    });
    expect(stored?.usage).toStrictEqual({ inputTokens: 135, outputTokens: 107 });
    expect(stored?.agentUsage).toStrictEqual({});

    const log = await store.readLog(record.id, { limit: 10 });
    expect(log[0]).toStrictEqual({ type: 'speaker_selected', cursor: entry?.cursor, selection: byNano });

    // The record a commit hands back carries it too.
    const committed = await store.appendMessage(record.id, makeMessage(record.id, { usage: { inputTokens: 1, outputTokens: 1 } }), {
      fenceTurn: 0,
      round: 1,
      consecutiveFailures: 0,
    });
    expect(committed?.record.selectorUsage).toStrictEqual(stored?.selectorUsage);
  });

  it('keeps the selector usage a created record carries, and leaves it out when it is empty', async () => {
    const store = make();
    const withUsage = await createDiscussion(store, {
      selectorUsage: { 'MOCK/mock-1': { inputTokens: 3, outputTokens: 2 }, 'GEMINI/x': {} },
    });
    expect((await store.get(withUsage.id))?.selectorUsage).toStrictEqual({ 'MOCK/mock-1': { inputTokens: 3, outputTokens: 2 } });
    const without = await createDiscussion(store, { selectorUsage: {} });
    expect(await store.get(without.id)).not.toHaveProperty('selectorUsage');
  });
});
