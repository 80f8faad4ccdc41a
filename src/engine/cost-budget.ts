// `termination.maxCostUsd`: a hard cap. Before each model call of an agent's turn the
// worst case is reserved (the estimated input, priced, plus `maxTokens` of output) and
// `maxTokens` is lowered to what is left, so the discussion never spends past the cap.

import type { Usage } from '../domain.js';
import { discussionCost } from '../pricing/cost.js';
import type { Pricing } from '../pricing/pricing.js';
import type { ChatRequest } from '../providers/types.js';
import type { AgentConfig, DiscussionRecord } from '../store/types.js';
import { DEFAULT_REPLY_RESERVE, estimateTokens } from './context-budget.js';
import { badInput } from './errors.js';

/** Fewer output tokens than this are not worth a call: the budget counts as spent. */
export const MIN_REPLY_TOKENS = 16;

/** Room for the vendor's own framing of a request (roles, separators), on top of the estimate of its text. */
const REQUEST_OVERHEAD_TOKENS = 64;

/** What a budgeted call may do: ask for `maxTokens` of output, or not start at all. */
export type CallBudget = { maxTokens: number | undefined } | 'spent';

type CappedDiscussion = Pick<DiscussionRecord, 'termination' | 'usage' | 'agents' | 'agentUsage' | 'selectorUsage'>;

const noCounts = (usage: Usage): boolean => usage.inputTokens === undefined && usage.outputTokens === undefined;

/** What the discussion has spent: 0 before any call reported a count, undefined when it cannot be priced. */
function spentUsd(pricing: Pricing, record: CappedDiscussion): number | undefined {
  return noCounts(record.usage) ? 0 : discussionCost(pricing, record);
}

/**
 * A capped discussion's spend has reached its cap. True too when the spend cannot be priced
 * (a vendor reported no count): a cap that cannot be checked is treated as reached.
 */
export function costBudgetReached(pricing: Pricing, record: CappedDiscussion): boolean {
  const cap = record.termination.maxCostUsd;
  if (cap === undefined) return false;
  const spent = spentUsd(pricing, record);
  return spent === undefined || spent >= cap;
}

/**
 * An upper estimate of a request's input tokens: its whole text as JSON (system prompt,
 * transcript, tool definitions and earlier steps), at about three characters a token.
 */
export function estimateRequestTokens(request: Pick<ChatRequest, 'system' | 'messages' | 'tools' | 'toolSteps'>): number {
  const { system, messages, tools, toolSteps } = request;
  return estimateTokens(JSON.stringify({ system, messages, tools, toolSteps })) + REQUEST_OVERHEAD_TOKENS;
}

/**
 * How many output tokens the next call of `speaker` may ask for so that its worst case fits
 * the cap, given what the discussion has committed and what the turn's earlier steps used.
 * Without a cap: the agent's own maxTokens (undefined stays undefined).
 */
export function budgetCall(
  pricing: Pricing,
  record: CappedDiscussion,
  speaker: Pick<AgentConfig, 'provider' | 'model' | 'maxTokens'>,
  request: Pick<ChatRequest, 'system' | 'messages' | 'tools' | 'toolSteps'>,
  usedInTurn: Usage,
): CallBudget {
  const cap = record.termination.maxCostUsd;
  if (cap === undefined) return { maxTokens: speaker.maxTokens };
  const price = pricing.priceOf(speaker.provider, speaker.model);
  const spent = spentUsd(pricing, record);
  const turnSpent = noCounts(usedInTurn) ? 0 : pricing.costOf(speaker.provider, speaker.model, usedInTurn);
  if (!price || spent === undefined || turnSpent === undefined) return 'spent';
  const inputCost = (estimateRequestTokens(request) * price.inputPerMillion) / 1_000_000;
  const left = cap - spent - turnSpent - inputCost;
  const wanted = speaker.maxTokens ?? DEFAULT_REPLY_RESERVE;
  const affordable = price.outputPerMillion === 0 ? wanted : Math.floor((left * 1_000_000) / price.outputPerMillion);
  const maxTokens = Math.min(wanted, affordable);
  return left < 0 || maxTokens < MIN_REPLY_TOKENS ? 'spent' : { maxTokens };
}

/**
 * Whether a pick of the next speaker fits the cap at its worst: every answer it may ask for,
 * each with the whole input and `maxTokens` of output. Always without a cap.
 */
export function pickFits(
  pricing: Pricing,
  record: CappedDiscussion,
  picker: Pick<AgentConfig, 'provider' | 'model'>,
  request: Pick<ChatRequest, 'system' | 'messages'>,
  limits: { attempts: number; maxTokens: number; extraInputTokens: number },
): boolean {
  const cap = record.termination.maxCostUsd;
  if (cap === undefined) return true;
  const price = pricing.priceOf(picker.provider, picker.model);
  const spent = spentUsd(pricing, record);
  if (!price || spent === undefined) return false;
  const oneAnswer =
    (estimateRequestTokens(request) + limits.extraInputTokens) * price.inputPerMillion + limits.maxTokens * price.outputPerMillion;
  return spent + (limits.attempts * oneAnswer) / 1_000_000 <= cap;
}

/**
 * At creation: a cap can only be kept when every model that may be called has a price and
 * honours `maxTokens` for the whole turn. CLAUDE_AGENT runs calls of its own (its tools, its
 * system prompt) whose worst case cannot be reserved.
 */
export function checkCostCap(pricing: Pricing, record: Pick<DiscussionRecord, 'termination' | 'agents' | 'selector'>): void {
  if (record.termination.maxCostUsd === undefined) return;
  const checkPriced = (field: string, { provider, model }: Pick<AgentConfig, 'provider' | 'model'>) => {
    if (pricing.priceOf(provider, model)) return;
    throw badInput(
      field,
      `${provider} model "${model}" has no price, so termination.maxCostUsd cannot be kept; add it to PRICING_FILE or leave out termination.maxCostUsd`,
    );
  };
  for (const [index, agent] of record.agents.entries()) {
    if (agent.provider === 'CLAUDE_AGENT') {
      throw badInput(
        `input.agents[${index}].provider`,
        'CLAUDE_AGENT makes calls of its own whose cost cannot be reserved; termination.maxCostUsd needs another provider',
      );
    }
    checkPriced(`input.agents[${index}].model`, agent);
  }
  if (record.selector) checkPriced('input.selector.model', record.selector);
}
