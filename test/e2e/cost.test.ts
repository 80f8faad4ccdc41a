import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ProviderName } from '../../src/domain.js';
import { PRICE_TABLE } from '../../src/pricing/price-table.js';
import { BOTH_MODES } from '../support/app.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import type { FakeUsage } from '../fake-vendor/server.js';
import { useAppWithFakeVendor } from '../support/fake-vendor-app.js';

const COSTS = `query($id: ID!) { discussion(id: $id) { status usage { inputTokens outputTokens costUsd }
  participants { name ... on Agent { provider model usage { inputTokens outputTokens costUsd } } }
  messages(first: 100) { edges { node { author role provider model usage { inputTokens outputTokens costUsd } } } } } }`;
const PICKS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename ... on SpeakerSelectedEvent { speaker usage { inputTokens outputTokens costUsd } } } }`;

const pricedUsageSchema = z.strictObject({
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  costUsd: z.number().nullable(),
});
const costsSchema = z.strictObject({
  discussion: z.strictObject({
    status: z.string(),
    usage: pricedUsageSchema,
    participants: z.array(
      z.strictObject({
        name: z.string(),
        provider: z.string().optional(),
        model: z.string().optional(),
        usage: pricedUsageSchema.optional(),
      }),
    ),
    messages: z.strictObject({
      edges: z.array(
        z.strictObject({
          node: z.strictObject({
            author: z.string(),
            role: z.string(),
            provider: z.string().nullable(),
            model: z.string().nullable(),
            usage: pricedUsageSchema.nullable(),
          }),
        }),
      ),
    }),
  }),
});
const pickEventSchema = z.strictObject({
  __typename: z.string(),
  speaker: z.string().optional(),
  usage: pricedUsageSchema.nullable().optional(),
});

/** The table's price of `usage`: tokens times the price per token, as the vendor bills it. */
function tableCost(provider: ProviderName, model: string, { inputTokens, outputTokens }: FakeUsage): number {
  const price = PRICE_TABLE.models[provider]?.[model];
  if (price === undefined) throw new Error(`${provider}/${model} is not in the price table`);
  return (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

const ADA = { provider: 'ANTHROPIC', model: 'claude-haiku-4-5' } as const;
const BOB = { provider: 'OPENAI', model: 'gpt-4.1-mini' } as const;
const SELECTOR = { provider: 'GEMINI', model: 'gemini-2.5-flash' } as const;

describe.each(BOTH_MODES)('Usage.costUsd with the fake vendors ($mode mode)', ({ redis }) => {
  const context = useAppWithFakeVendor({ redis });

  /** Runs a discussion to its end; its costs as the API reports them, and its picks in order. */
  async function run(input: Record<string, unknown>) {
    const id = await createDiscussion(context.server.url, input);
    const ws = createWsClient(context.server.url);
    try {
      const events = await subscribeWs(ws, PICKS, { id, after: '0-0' }, 'discussionEvents', pickEventSchema);
      await mustGraphQL(context.server.url, START, { id });
      const all = await events.collector.waitForCompletion({ timeoutMs: 60_000 });
      const picks = all.filter((event) => event.__typename === 'SpeakerSelectedEvent');
      const { discussion } = await mustGraphQL(context.server.url, COSTS, { id }, { schema: costsSchema });
      const agent = (name: string) => discussion.participants.find((participant) => participant.name === name);
      const messagesOf = (name: string) => discussion.messages.edges.map((edge) => edge.node).filter((message) => message.author === name);
      return { discussion, picks, agent, messagesOf };
    } finally {
      await ws.dispose();
    }
  }

  it('prices every message, agent and pick at the table, and the discussion at their sum', async () => {
    const adaUsage: FakeUsage[] = [
      { inputTokens: 1234, outputTokens: 567 },
      { inputTokens: 2051, outputTokens: 333 },
    ];
    const bobUsage: FakeUsage[] = [
      { inputTokens: 1711, outputTokens: 402 },
      { inputTokens: 2999, outputTokens: 111 },
    ];
    const pickUsage: FakeUsage[] = [
      { inputTokens: 301, outputTokens: 13 },
      { inputTokens: 377, outputTokens: 11 },
      { inputTokens: 452, outputTokens: 12 },
      { inputTokens: 519, outputTokens: 14 },
    ];
    context.fake.script('anthropic', ...adaUsage.map((usage) => ({ chunks: ['Ada ', 'speaks.'], usage })));
    context.fake.script('openai', ...bobUsage.map((usage) => ({ chunks: ['Bob ', 'speaks.'], usage })));
    // OPEN never picks the one who just spoke, so the picks alternate.
    context.fake.script(
      'gemini',
      ...['Ada', 'Bob', 'Ada', 'Bob'].map((speaker, index) => ({
        chunks: [JSON.stringify({ speaker, reason: 'turn' })],
        usage: pickUsage[index],
      })),
    );
    const { discussion, picks, agent, messagesOf } = await run({
      topic: 'Which queue to use',
      protocol: 'OPEN',
      maxRounds: 2,
      agents: [
        { name: 'Ada', ...ADA },
        { name: 'Bob', ...BOB },
      ],
      selector: SELECTOR,
    });
    expect(discussion.status).toBe('COMPLETED');
    expect(context.fake.pending('anthropic') + context.fake.pending('openai') + context.fake.pending('gemini')).toBe(0);

    // Each message: its own tokens at its model's price.
    const adaCosts = adaUsage.map((usage) => tableCost(ADA.provider, ADA.model, usage));
    const bobCosts = bobUsage.map((usage) => tableCost(BOB.provider, BOB.model, usage));
    expect(messagesOf('Ada').map((message) => [message.model, message.usage])).toEqual(
      adaUsage.map((usage, index) => [ADA.model, { ...usage, costUsd: adaCosts[index] }]),
    );
    expect(messagesOf('Bob').map((message) => [message.model, message.usage])).toEqual(
      bobUsage.map((usage, index) => [BOB.model, { ...usage, costUsd: bobCosts[index] }]),
    );

    // Each agent: the sum of its messages.
    expect(agent('Ada')?.usage?.costUsd).toBeCloseTo(sum(adaCosts), 12);
    expect(agent('Bob')?.usage?.costUsd).toBeCloseTo(sum(bobCosts), 12);

    // Each pick: the selector's tokens at the selector's price.
    const pickCosts = pickUsage.map((usage) => tableCost(SELECTOR.provider, SELECTOR.model, usage));
    expect(picks.map((pick) => [pick.speaker, pick.usage])).toEqual(
      pickUsage.map((usage, index) => [index % 2 === 0 ? 'Ada' : 'Bob', { ...usage, costUsd: pickCosts[index] }]),
    );

    // The discussion: every agent and every pick.
    const total = sum([...adaCosts, ...bobCosts, ...pickCosts]);
    expect(discussion.usage.costUsd).toBeCloseTo(total, 12);
    expect(discussion.usage.costUsd).toBeGreaterThan(sum([...adaCosts, ...bobCosts]));
  });

  it('gives an unpriced model null for its messages, its agent and the discussion, and keeps the priced ones', async () => {
    const adaUsage = { inputTokens: 800, outputTokens: 90 };
    context.fake.script('anthropic', { chunks: ['Ada speaks.'], usage: adaUsage });
    context.fake.script('openai-compatible', { chunks: ['Llama speaks.'], usage: { inputTokens: 700, outputTokens: 80 } });
    const { discussion, agent, messagesOf } = await run({
      topic: 'A model no table knows',
      maxRounds: 1,
      agents: [
        { name: 'Ada', ...ADA },
        { name: 'Llama', provider: 'OPENAI_COMPATIBLE', model: 'made-up-model-7b' },
      ],
    });
    expect(discussion.status).toBe('COMPLETED');
    // Its counts are known; only the price is not.
    expect(messagesOf('Llama').map((message) => message.usage)).toEqual([{ inputTokens: 700, outputTokens: 80, costUsd: null }]);
    expect(agent('Llama')?.usage).toEqual({ inputTokens: 700, outputTokens: 80, costUsd: null });
    expect(messagesOf('Ada').map((message) => message.usage?.costUsd)).toEqual([tableCost(ADA.provider, ADA.model, adaUsage)]);
    expect(agent('Ada')?.usage?.costUsd).toBe(tableCost(ADA.provider, ADA.model, adaUsage));
    expect(discussion.usage).toEqual({ inputTokens: 1500, outputTokens: 170, costUsd: null });
  });

  it('prices MOCK at 0: messages, agents, picks and the discussion', async () => {
    const { discussion, picks, agent, messagesOf } = await run({
      topic: 'Offline',
      protocol: 'OPEN',
      maxRounds: 1,
      agents: [
        { name: 'Ada', provider: 'MOCK' },
        { name: 'Bob', provider: 'MOCK' },
      ],
    });
    expect(discussion.status).toBe('COMPLETED');
    const messages = [...messagesOf('Ada'), ...messagesOf('Bob')];
    expect(messages).toHaveLength(2);
    for (const usage of [
      ...messages.map((message) => message.usage),
      agent('Ada')?.usage,
      agent('Bob')?.usage,
      ...picks.map((pick) => pick.usage),
    ]) {
      expect(usage?.inputTokens).toBeGreaterThan(0);
      expect(usage?.costUsd).toBe(0);
    }
    expect(picks).toHaveLength(2);
    expect(discussion.usage.inputTokens).toBeGreaterThan(0);
    expect(discussion.usage.costUsd).toBe(0);
  });
});
