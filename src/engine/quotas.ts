/**
 * Per-owner quotas shared by every replica (Redis mode) or this process (memory
 * mode). The engine asks; src/limits/ keeps the counts.
 */
export interface OwnerQuotas {
  /** Counts `count` mutations against the owner's per-minute limit; throws RATE_LIMITED when over it. */
  chargeMutations(owner: string, count: number): Promise<void>;
  /** Seconds until the owner's daily token budget renews when it is spent; undefined while tokens remain. */
  tokenBudgetSpent(owner: string): Promise<number | undefined>;
  /** Adds tokens the owner's discussions used (input plus output) to today's count. */
  recordTokens(owner: string, tokens: number): Promise<void>;
  /** Seconds until the owner's daily spending limit renews when it is reached; undefined while money remains. */
  costBudgetSpent(owner: string): Promise<number | undefined>;
  /** Adds what a call cost in USD to the owner's spending today. */
  recordCost(owner: string, usd: number): Promise<void>;
  /** Discussions an owner may have running or waiting at once. */
  readonly maxRunning: number;
}

/** No limits: for engines built without an HTTP front (benchmarks, engine tests). */
export const UNLIMITED_QUOTAS: OwnerQuotas = {
  chargeMutations: async () => {},
  tokenBudgetSpent: () => Promise.resolve(undefined),
  recordTokens: async () => {},
  costBudgetSpent: () => Promise.resolve(undefined),
  recordCost: async () => {},
  maxRunning: Number.MAX_SAFE_INTEGER,
};
