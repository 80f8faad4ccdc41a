import type { AgentConfig, DiscussionRecord, HumanConfig } from '../store/types.js';
import { pricedByModel } from '../pricing/cost.js';
import { builder } from './builder.js';
import { ProviderEnum, StanceEnum } from './enums.js';
import { UsageType } from './usage.js';

export type ParticipantShape = { kind: 'agent'; agent: AgentConfig; discussion: DiscussionRecord } | { kind: 'human'; human: HumanConfig };

export const ParticipantInterface = builder.interfaceRef<ParticipantShape>('Participant').implement({
  fields: (t) => ({
    name: t.string({ resolve: (participant) => (participant.kind === 'agent' ? participant.agent.name : participant.human.name) }),
  }),
  resolveType: (participant) => (participant.kind === 'agent' ? 'Agent' : 'Human'),
});

builder.objectRef<Extract<ParticipantShape, { kind: 'agent' }>>('Agent').implement({
  interfaces: [ParticipantInterface],
  fields: (t) => ({
    persona: t.string({ nullable: true, resolve: ({ agent }) => agent.persona ?? null }),
    systemPrompt: t.string({
      description: 'The persona part of the system prompt, as resolved at creation.',
      resolve: ({ agent }) => agent.systemPrompt,
    }),
    provider: t.field({ type: ProviderEnum, resolve: ({ agent }) => agent.provider }),
    model: t.string({ resolve: ({ agent }) => agent.model }),
    temperature: t.float({ nullable: true, resolve: ({ agent }) => agent.temperature ?? null }),
    maxTokens: t.int({ nullable: true, resolve: ({ agent }) => agent.maxTokens ?? null }),
    maxContextTokens: t.int({ nullable: true, resolve: ({ agent }) => agent.maxContextTokens ?? null }),
    stance: t.field({ type: StanceEnum, resolve: ({ agent }) => agent.stance }),
    tools: t.stringList({ description: 'The MCP servers or server/tool names it may call.', resolve: ({ agent }) => agent.tools ?? [] }),
    usage: t.field({
      type: UsageType,
      description: 'The sums over its messages, priced at its model.',
      resolve: ({ agent, discussion }) => pricedByModel(discussion.agentUsage[agent.name] ?? {}, agent.provider, agent.model),
    }),
  }),
});

builder.objectRef<Extract<ParticipantShape, { kind: 'human' }>>('Human').implement({
  interfaces: [ParticipantInterface],
  fields: (t) => ({
    speaksInTurn: t.boolean({ resolve: ({ human }) => human.speaksInTurn }),
    waitSeconds: t.int({ resolve: ({ human }) => human.waitSeconds }),
  }),
});

export const participantsOf = (discussion: DiscussionRecord): ParticipantShape[] => [
  ...discussion.agents.map((agent) => ({ kind: 'agent' as const, agent, discussion })),
  ...discussion.humans.map((human) => ({ kind: 'human' as const, human })),
];
