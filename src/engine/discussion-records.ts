import { randomUUID } from 'node:crypto';
import type { ProviderRegistry } from '../providers/types.js';
import { initialState } from '../store/records.js';
import type { DiscussionRecord } from '../store/types.js';
import { resolvePersonaPrompt } from './prompt.js';
import type { ValidCreateDiscussionInput } from './validation.js';

/** A new CREATED discussion of `owner` from validated input, with each provider's default model filled in. */
export function createDiscussionRecord(
  owner: string,
  input: ValidCreateDiscussionInput,
  providers: Pick<ProviderRegistry, 'defaultModel'>,
  createdAt: Date,
): DiscussionRecord {
  return {
    id: randomUUID(),
    owner,
    createdAt: createdAt.toISOString(),
    topic: input.topic,
    protocol: input.protocol,
    maxRounds: input.maxRounds,
    agents: input.agents.map((agent) => ({
      name: agent.name,
      persona: agent.persona ?? undefined,
      systemPrompt: resolvePersonaPrompt(agent.persona ?? undefined, agent.systemPrompt ?? undefined),
      provider: agent.provider,
      model: agent.model ?? providers.defaultModel(agent.provider),
      temperature: agent.temperature ?? undefined,
      maxTokens: agent.maxTokens ?? undefined,
      maxContextTokens: agent.maxContextTokens ?? undefined,
      stance: agent.stance,
      ...(agent.tools && agent.tools.length > 0 ? { tools: [...new Set(agent.tools)] } : {}),
    })),
    humans: input.humans,
    termination: {
      maxMessages: input.termination.maxMessages ?? undefined,
      maxTotalTokens: input.termination.maxTotalTokens ?? undefined,
      maxCostUsd: input.termination.maxCostUsd ?? undefined,
      stopPhrases: input.termination.stopPhrases,
    },
    selector: input.selector
      ? { provider: input.selector.provider, model: input.selector.model ?? providers.defaultModel(input.selector.provider) }
      : undefined,
    webhookUrl: input.webhookUrl ?? undefined,
    ...initialState(),
  };
}
