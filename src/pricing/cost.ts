// What a `Usage` costs in USD, computed when it is read (prices are the process's
// own, PRICING_FILE included): a message's, an agent's, a pick's and a discussion's.
// Null semantics throughout: no price or a missing count gives undefined, never a guess.

import type { ProviderName, Usage } from '../domain.js';
import { USAGE_COUNTS, parseSelectorUsageKey } from '../store/records.js';
import type { DiscussionRecord } from '../store/types.js';
import type { Pricing } from './pricing.js';

/** The parts of a discussion its cost is summed from. */
export type DiscussionCostParts = Pick<DiscussionRecord, 'usage' | 'agents' | 'agentUsage' | 'selectorUsage'>;

/** Token counts with what prices them: what the GraphQL `Usage` type resolves. */
export type PricedUsage =
  /** One model's usage: a message, an agent (all its messages), a pick. No provider or model: no price. */
  | { kind: 'model'; usage: Usage; provider: ProviderName | undefined; model: string | undefined }
  /** A discussion's totals, priced part by part. */
  | { kind: 'discussion'; usage: Usage; discussion: DiscussionCostParts };

/** One model's usage within a discussion. */
interface CostPart {
  provider: ProviderName;
  model: string;
  usage: Usage;
}

export const pricedByModel = (usage: Usage, provider: ProviderName | undefined, model: string | undefined): PricedUsage => ({
  kind: 'model',
  usage,
  provider,
  model,
});

export const pricedDiscussion = (discussion: DiscussionCostParts): PricedUsage => ({
  kind: 'discussion',
  usage: discussion.usage,
  discussion,
});

/** What one model's usage cost; undefined when the model is unknown or unpriced, or a count is missing. */
export function modelCost(
  pricing: Pricing,
  provider: ProviderName | undefined,
  model: string | undefined,
  usage: Usage,
): number | undefined {
  if (provider === undefined || model === undefined) return undefined;
  return pricing.costOf(provider, model, usage);
}

/** Each agent's usage at its model, and the picks' usage per model that made them; undefined for a key that is not a model's. */
function costParts(discussion: DiscussionCostParts): CostPart[] | undefined {
  const parts: CostPart[] = [];
  for (const agent of discussion.agents) {
    const usage = discussion.agentUsage[agent.name];
    if (usage !== undefined) parts.push({ provider: agent.provider, model: agent.model, usage });
  }
  for (const [key, usage] of Object.entries(discussion.selectorUsage ?? {})) {
    const picker = parseSelectorUsageKey(key);
    if (picker === undefined) return undefined;
    parts.push({ ...picker, usage });
  }
  return parts;
}

/**
 * The sum of every agent's cost and every pick's cost. Undefined when a part that used
 * tokens is unpriced or misses a count, or when some of the totals belong to no part
 * (a pick logged before picks named their model): a partial sum would understate it.
 */
export function discussionCost(pricing: Pricing, discussion: DiscussionCostParts): number | undefined {
  const parts = costParts(discussion);
  if (parts === undefined) return undefined;
  for (const count of USAGE_COUNTS) {
    const total = discussion.usage[count];
    if (total === undefined) return undefined;
    const attributed = parts.reduce((sum, part) => sum + (part.usage[count] ?? 0), 0);
    if (attributed !== total) return undefined;
  }
  let cost = 0;
  for (const part of parts) {
    const partCost = pricing.costOf(part.provider, part.model, part.usage);
    if (partCost === undefined) return undefined;
    cost += partCost;
  }
  return cost;
}

export function costOfUsage(pricing: Pricing, priced: PricedUsage): number | undefined {
  switch (priced.kind) {
    case 'model':
      return modelCost(pricing, priced.provider, priced.model, priced.usage);
    case 'discussion':
      return discussionCost(pricing, priced.discussion);
    default: {
      const unknown: never = priced;
      throw new Error(`unknown priced usage ${JSON.stringify(unknown)}`);
    }
  }
}
