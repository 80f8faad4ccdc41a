// termination.maxCostUsd: the reservation of each call's worst case (src/engine/cost-budget.ts)
// and how a turn's model calls obey it (src/engine/reply-steps.ts). A scripted model and
// hand-made tools (our own interfaces); the fake vendors' run is test/e2e/cost-cap.test.ts.

import { describe, expect, it } from 'vitest';
import { budgetCall, costBudgetReached, estimateRequestTokens, MIN_REPLY_TOKENS, pickFits } from '../../src/engine/cost-budget.js';
import { streamReplySteps } from '../../src/engine/reply-steps.js';
import { createTokenSink } from '../../src/engine/token-sink.js';
import type { RanToolCall, TurnTools } from '../../src/engine/tool-calls.js';
import { createPricing } from '../../src/pricing/pricing.js';
import type { ChatModel, ChatRequest, StreamPart } from '../../src/providers/types.js';
import type { DiscussionRecord } from '../../src/store/types.js';

const pricing = createPricing({ OPENAI: { pricey: { inputPerMillion: 1_000, outputPerMillion: 10_000 } } });
const SPEAKER = { provider: 'OPENAI', model: 'pricey', maxTokens: 500 } as const;
const REQUEST = { system: 'Be brief.', messages: [{ role: 'user', name: 'Ann', content: 'Hello there.' }] } satisfies Pick<
  ChatRequest,
  'system' | 'messages'
>;

type Capped = Pick<DiscussionRecord, 'termination' | 'usage' | 'agents' | 'agentUsage' | 'selectorUsage'>;
const discussion = (maxCostUsd: number | undefined, spentOutputTokens?: number): Capped => ({
  termination: { stopPhrases: [], ...(maxCostUsd === undefined ? {} : { maxCostUsd }) },
  usage: spentOutputTokens === undefined ? {} : { inputTokens: 0, outputTokens: spentOutputTokens },
  agents: [{ name: 'Ada', systemPrompt: '', stance: 'NONE', ...SPEAKER }],
  agentUsage: spentOutputTokens === undefined ? {} : { Ada: { inputTokens: 0, outputTokens: spentOutputTokens } },
});
/** What the request's estimated input costs at the test price. */
const inputCost = (request: Pick<ChatRequest, 'system' | 'messages'>) => (estimateRequestTokens(request) * 1_000) / 1_000_000;

describe('budgetCall', () => {
  it('leaves maxTokens alone without a cap', () => {
    expect(budgetCall(pricing, discussion(undefined), SPEAKER, REQUEST, {})).toEqual({ maxTokens: 500 });
    expect(budgetCall(pricing, discussion(undefined), { ...SPEAKER, maxTokens: undefined }, REQUEST, {})).toEqual({ maxTokens: undefined });
  });

  it('asks for the agent’s maxTokens while its worst case fits, fewer when it does not, none below the minimum', () => {
    const roomy = inputCost(REQUEST) + (500 * 10_000) / 1_000_000;
    expect(budgetCall(pricing, discussion(roomy + 1), SPEAKER, REQUEST, {})).toEqual({ maxTokens: 500 });
    // 100 tokens of output already spent: 1 USD at this price
    const lowered = budgetCall(pricing, discussion(roomy, 100), SPEAKER, REQUEST, {});
    expect(lowered).toEqual({ maxTokens: 400 });
    const tight = inputCost(REQUEST) + ((MIN_REPLY_TOKENS - 1) * 10_000) / 1_000_000;
    expect(budgetCall(pricing, discussion(tight), SPEAKER, REQUEST, {})).toBe('spent');
  });

  it('counts what the turn’s earlier steps used, and treats an unpriceable spend as spent', () => {
    const cap = inputCost(REQUEST) + (500 * 10_000) / 1_000_000;
    expect(budgetCall(pricing, discussion(cap), SPEAKER, REQUEST, { inputTokens: 0, outputTokens: 200 })).toEqual({ maxTokens: 300 });
    // a step that reported only one count cannot be priced
    expect(budgetCall(pricing, discussion(cap), SPEAKER, REQUEST, { outputTokens: 200 })).toBe('spent');
    expect(budgetCall(pricing, discussion(cap), { ...SPEAKER, model: 'unpriced' }, REQUEST, {})).toBe('spent');
  });

  it('costBudgetReached: at or past the cap, or when the spend cannot be priced', () => {
    expect(costBudgetReached(pricing, discussion(undefined, 10_000))).toBe(false);
    expect(costBudgetReached(pricing, discussion(1))).toBe(false);
    expect(costBudgetReached(pricing, discussion(1, 99))).toBe(false);
    expect(costBudgetReached(pricing, discussion(1, 100))).toBe(true);
    expect(costBudgetReached(pricing, { ...discussion(1), usage: { outputTokens: 5 } })).toBe(true);
  });
});

describe('pickFits', () => {
  const limits = { attempts: 2, maxTokens: 200, extraInputTokens: 100 };
  const worst = (2 * ((estimateRequestTokens(REQUEST) + 100) * 1_000 + 200 * 10_000)) / 1_000_000;

  it('fits when every answer the pick may ask for, at its worst, is within the cap', () => {
    expect(pickFits(pricing, discussion(undefined, 10_000), SPEAKER, REQUEST, limits)).toBe(true);
    expect(pickFits(pricing, discussion(worst), SPEAKER, REQUEST, limits)).toBe(true);
    // one output token already spent tips it over
    expect(pickFits(pricing, discussion(worst, 1), SPEAKER, REQUEST, limits)).toBe(false);
    expect(pickFits(pricing, discussion(worst * 10), { provider: 'OPENAI', model: 'unpriced' }, REQUEST, limits)).toBe(false);
  });
});

describe('streamReplySteps under a budget', () => {
  /** A model that answers each call with its parts in turn, and the requests it saw. */
  function scriptedModel(replies: StreamPart[][]) {
    const requests: ChatRequest[] = [];
    const model: ChatModel = {
      provider: 'OPENAI',
      // eslint-disable-next-line @typescript-eslint/require-await
      async *stream(request) {
        requests.push(request);
        yield* replies[requests.length - 1] ?? [];
      },
    };
    return { model, requests };
  }
  const call = { id: 'c1', name: 'tools__echo', arguments: {}, argumentsText: '{}' };
  const ran: RanToolCall = {
    result: { callId: 'c1', name: 'tools__echo', content: 'echoed', isError: false },
    record: {
      id: 'c1',
      tool: 'tools/echo',
      arguments: '{}',
      result: 'echoed',
      isError: false,
      durationMs: 1,
      step: 1,
      at: new Date(0).toISOString(),
    },
  };
  const tools: TurnTools = {
    definitions: [{ name: 'tools__echo', server: 'tools', tool: 'echo', inputSchema: { type: 'object' } }],
    run: () => Promise.resolve(ran),
    ranByProvider: () => ran,
    refuse: () => ran,
  };
  const run = (model: ChatModel, budget: Parameters<typeof streamReplySteps>[0]['budget']) =>
    streamReplySteps({
      model,
      request: { model: 'pricey', ...REQUEST, maxTokens: 500, signal: new AbortController().signal },
      tokens: createTokenSink(() => Promise.resolve()),
      tools,
      maxSteps: 8,
      record: (done) => Promise.resolve({ ...done.record, messageId: 'm1' }),
      budget,
    });

  it('sends the budgeted maxTokens, and makes no call when none fit', async () => {
    const { model, requests } = scriptedModel([
      [
        { type: 'text-delta', text: 'Hi.' },
        { type: 'finish', finishReason: 'stop', usage: {} },
      ],
    ]);
    const outcome = await run(model, () => ({ maxTokens: 42 }));
    expect(requests.map((request) => request.maxTokens)).toEqual([42]);
    expect(outcome.budgetSpent).toBeUndefined();
    const none = scriptedModel([]);
    const spent = await run(none.model, () => 'spent');
    expect(none.requests).toHaveLength(0);
    expect(spent).toMatchObject({ budgetSpent: true, text: '' });
    expect(spent.finish).toBeUndefined();
  });

  it('ends a tool loop cut short by the cap with the text so far, finish reason length, and the steps’ usage', async () => {
    const { model, requests } = scriptedModel([
      [
        { type: 'text-delta', text: 'Let me check.' },
        { type: 'tool-call', call },
        { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 20 } },
      ],
    ]);
    const seen: unknown[] = [];
    const outcome = await run(model, (_request, usedInTurn) => {
      seen.push({ ...usedInTurn });
      return seen.length === 1 ? { maxTokens: 100 } : 'spent';
    });
    expect(requests).toHaveLength(1);
    expect(seen).toEqual([{}, { inputTokens: 10, outputTokens: 20 }]);
    expect(outcome).toMatchObject({ budgetSpent: true, text: 'Let me check.' });
    expect(outcome.finish).toMatchObject({ finishReason: 'length', usage: { inputTokens: 10, outputTokens: 20 } });
    expect(outcome.toolCalls).toHaveLength(1);
  });
});
