// Value types shared by every layer. No behaviour and no imports here, so any
// layer may depend on this file without bending the direction of dependency.

/** The providers that call a model, the ones a caller may choose and configure. */
export const CALLING_PROVIDERS = ['ANTHROPIC', 'OPENAI', 'GEMINI', 'CLAUDE_AGENT', 'OPENAI_COMPATIBLE', 'MOCK'] as const;
/** REPLAY re-streams a recorded discussion's provider calls (`replayDiscussion`); no discussion is created with it directly. */
export const PROVIDERS = [...CALLING_PROVIDERS, 'REPLAY'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const PROTOCOLS = ['ROUND_ROBIN', 'OPEN', 'DEBATE', 'MODERATED'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const DISCUSSION_STATUSES = ['CREATED', 'RUNNING', 'PAUSED', 'WAITING_FOR_HUMAN', 'COMPLETED', 'STOPPED', 'FAILED'] as const;
export type DiscussionStatus = (typeof DISCUSSION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly DiscussionStatus[] = ['COMPLETED', 'STOPPED', 'FAILED'];
export const isTerminal = (status: DiscussionStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Begun and not ended: turns may still run. */
export const ACTIVE_STATUSES: readonly DiscussionStatus[] = ['RUNNING', 'PAUSED', 'WAITING_FOR_HUMAN'];
export const isActive = (status: DiscussionStatus): boolean => ACTIVE_STATUSES.includes(status);

export const STANCES = ['NONE', 'PRO', 'CON', 'MODERATOR', 'JUDGE'] as const;
export type Stance = (typeof STANCES)[number];

export const MESSAGE_ROLES = ['AGENT', 'HUMAN', 'SYSTEM'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** Token counts. A count the vendor did not report stays undefined, never a made-up 0. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

/** Adds the counts `usage` reported to `total`; a count never reported stays undefined. */
export function addUsage(total: Usage, usage: Usage | undefined): void {
  if (usage?.inputTokens !== undefined) total.inputTokens = (total.inputTokens ?? 0) + usage.inputTokens;
  if (usage?.outputTokens !== undefined) total.outputTokens = (total.outputTokens ?? 0) + usage.outputTokens;
}

/** Why a discussion ended; `Discussion.stopReason` carries one of these. */
export const STOP_REASONS = {
  maxRounds: 'max_rounds',
  maxMessages: 'max_messages',
  maxTotalTokens: 'max_total_tokens',
  stopPhrase: 'stop_phrase',
  stoppedByUser: 'stopped_by_user',
  consecutiveFailures: 'consecutive_failures',
  judgeConcluded: 'judge_concluded',
  moderatorConcluded: 'moderator_concluded',
  ownerTokenBudget: 'owner_daily_token_budget',
  costBudget: 'cost_budget',
  ownerCostBudget: 'owner_daily_cost_usd',
  /** A replay whose recording is gone (its source was deleted or expired) or has no call for a turn. */
  replayEnded: 'replay_ended',
} as const;
export type StopReason = (typeof STOP_REASONS)[keyof typeof STOP_REASONS];

/** The closed set of reasons a reply can end with. */
/** `tool_calls`: the model stopped to call tools (a step of a turn; a message ends so only when MAX_TOOL_STEPS ran out). */
export const FINISH_REASONS = ['stop', 'length', 'content_filter', 'cancelled', 'tool_calls', 'other'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];
