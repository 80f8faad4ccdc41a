import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL, postGraphQL } from '../support/clients.js';
import { createDiscussion } from '../support/documents.js';
import { startAndAwaitStatus } from '../support/run-to-end.js';

// A pricey made-up model, so a few short replies reach the cap: $ per million tokens.
const PRICE = { inputPerMillion: 20, outputPerMillion: 500 };
const MODEL = 'claude-cap-test';
const CAP = 0.1;
const AGENT_MAX_TOKENS = 64;
// What each reply reports: within any max_tokens the engine may send (at least 16).
const USAGE = { inputTokens: 100, outputTokens: 16 };

const RESULT = `query($id: ID!) { discussion(id: $id) { status stopReason termination { maxCostUsd }
  usage { costUsd } messages(first: 100) { edges { node { role usage { costUsd } } } } } }`;
const resultSchema = z.strictObject({
  discussion: z.strictObject({
    status: z.string(),
    stopReason: z.string().nullable(),
    termination: z.strictObject({ maxCostUsd: z.number().nullable() }),
    usage: z.strictObject({ costUsd: z.number().nullable() }),
    messages: z.strictObject({
      edges: z.array(
        z.strictObject({
          node: z.strictObject({ role: z.string(), usage: z.strictObject({ costUsd: z.number().nullable() }).nullable() }),
        }),
      ),
    }),
  }),
});

const agents = (provider = 'ANTHROPIC', model = MODEL) => [
  { name: 'Ada', provider, model, maxTokens: AGENT_MAX_TOKENS },
  { name: 'Bob', provider, model, maxTokens: AGENT_MAX_TOKENS },
];

describe.each(BOTH_MODES)('termination.maxCostUsd ($mode mode)', ({ redis }) => {
  let fake: FakeVendor;
  let server: TestApp;
  let directory: string;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cost-cap-'));
    const pricingFile = join(directory, 'prices.json');
    writeFileSync(pricingFile, JSON.stringify({ ANTHROPIC: { [MODEL]: PRICE } }));
    fake = await startFakeVendor();
    server = await startTestApp({ redis, env: { ...fake.environment(), PROVIDER_MAX_RETRIES: '0', PRICING_FILE: pricingFile } });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
    rmSync(directory, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  it('reserves each call’s worst case, lowers max_tokens to what is left and ends at the cap', async () => {
    for (let reply = 0; reply < 40; reply++) fake.script('anthropic', { chunks: [`Reply ${reply}.`], usage: USAGE });
    const id = await createDiscussion(server.url, {
      topic: 'Spend wisely',
      protocol: 'ROUND_ROBIN',
      maxRounds: 20,
      agents: agents(),
      termination: { maxCostUsd: CAP },
    });
    await startAndAwaitStatus(server.url, id);
    const { discussion } = await mustGraphQL(server.url, RESULT, { id }, { schema: resultSchema });
    expect(discussion.stopReason).toBe('cost_budget');
    expect(discussion.termination.maxCostUsd).toBe(CAP);

    const replyCost = (USAGE.inputTokens * PRICE.inputPerMillion + USAGE.outputTokens * PRICE.outputPerMillion) / 1_000_000;
    const messages = discussion.messages.edges.map((edge) => edge.node).filter((message) => message.role === 'AGENT');
    const requests = fake.requestsFor('anthropic');
    // every call committed a message; the cap stopped it before the rounds or the script ran out
    expect(messages.length).toBe(requests.length);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.length).toBeLessThan(40);
    for (const message of messages) expect(message.usage?.costUsd).toBeCloseTo(replyCost, 12);
    const total = discussion.usage.costUsd ?? Number.NaN;
    expect(total).toBeCloseTo(messages.length * replyCost, 12);
    expect(total).toBeLessThanOrEqual(CAP);

    const maxTokens = requests.map((request) => z.object({ max_tokens: z.number() }).parse(request.body).max_tokens);
    maxTokens.forEach((asked, index) => {
      // what the call could cost in output, on top of what the earlier ones cost, stays within the cap
      expect(index * replyCost + (asked * PRICE.outputPerMillion) / 1_000_000).toBeLessThanOrEqual(CAP);
      expect(asked).toBeGreaterThanOrEqual(USAGE.outputTokens);
      expect(asked).toBeLessThanOrEqual(AGENT_MAX_TOKENS);
    });
    expect(maxTokens[0]).toBe(AGENT_MAX_TOKENS);
    expect(Math.min(...maxTokens)).toBeLessThan(AGENT_MAX_TOKENS);
    // lowered as the money ran out, never raised again
    expect([...maxTokens].sort((a, b) => b - a)).toEqual(maxTokens);
  });

  it('refuses a cap it could not keep, naming the field', async () => {
    const create = `mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }`;
    const refusal = async (input: Record<string, unknown>) => {
      const response = await postGraphQL(server.url, create, { input: { topic: 'Spend', ...input } });
      const error = response.errors?.[0];
      return { code: error?.extensions?.code, field: error?.extensions?.field, message: error?.message ?? '' };
    };
    const unpriced = await refusal({ agents: agents('ANTHROPIC', 'claude-unpriced'), termination: { maxCostUsd: 1 } });
    expect(unpriced).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.agents[0].model' });
    expect(unpriced.message).toContain('PRICING_FILE');
    const agentSdk = await refusal({
      agents: [{ name: 'Cy', provider: 'CLAUDE_AGENT', model: MODEL }, agents()[0]],
      termination: { maxCostUsd: 1 },
    });
    expect(agentSdk).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.agents[0].provider' });
    const zero = await refusal({ agents: agents(), termination: { maxCostUsd: 0 } });
    expect(zero).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.termination.maxCostUsd' });
    // without a cap, an unpriced model is fine (its cost is null)
    const uncapped = await postGraphQL(server.url, create, { input: { topic: 'Spend', agents: agents('ANTHROPIC', 'claude-unpriced') } });
    expect(uncapped.errors).toBeUndefined();
  });
});
