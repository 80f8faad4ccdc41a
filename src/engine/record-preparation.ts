import { notConfigured } from '../providers/types.js';
import { createPricing } from '../pricing/pricing.js';
import type { DiscussionRecord } from '../store/types.js';
import { checkCostCap } from './cost-budget.js';
import type { EngineDependencies } from './dependencies.js';
import { createDiscussionRecord } from './discussion-records.js';
import { badInput, DomainError } from './errors.js';
import { checkAgentTools } from './tool-validation.js';
import { checkProtocolRules, checkWebhookHost, type CreateDiscussionInput, createDiscussionSchema, parseInput } from './validation.js';

/** A new discussion's record from the caller's input (createDiscussion, forkDiscussion), every check done: nothing is stored yet. */
export type PrepareRecord = (owner: string, rawInput: CreateDiscussionInput, now: Date) => Promise<DiscussionRecord>;

export function createRecordPreparer(dependencies: EngineDependencies): PrepareRecord {
  const { providers } = dependencies;
  const pricing = dependencies.pricing ?? createPricing();

  return async (owner, rawInput, now) => {
    const input = parseInput(createDiscussionSchema, rawInput, 'input');
    checkProtocolRules(input);
    checkWebhookHost(input, dependencies.webhooks?.allowPrivate ?? false);
    await checkAgentTools(input, dependencies.tools);
    const wanted = input.agents.map((agent, index) => ({ provider: agent.provider, field: `input.agents[${index}].provider` }));
    if (input.selector) wanted.push({ provider: input.selector.provider, field: 'input.selector.provider' });
    for (const { provider, field } of wanted) {
      if (provider === 'REPLAY')
        throw badInput(field, 'REPLAY streams a recorded discussion again: replayDiscussion makes the discussions that use it');
      if (!providers.get(provider)) {
        throw new DomainError('PROVIDER_NOT_CONFIGURED', `${field}: ${notConfigured(provider)}`, { field });
      }
    }
    const record = createDiscussionRecord(owner, input, providers, now);
    checkCostCap(pricing, record);
    // RECORD_PROVIDER_CALLS decides at creation, so a discussion is recorded whole or not at all, whichever worker runs it
    return dependencies.recordProviderCalls === true ? { ...record, recordCalls: true } : record;
  };
}
