import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitsConfig } from '../config.js';
import { rateLimited } from '../engine/errors.js';
import type { OwnerQuotas } from '../engine/quotas.js';

const MINUTE_SECONDS = 60;
const DAY_SECONDS = 24 * 60 * 60;

/** Spending is counted in whole millionths of a dollar: the limiter counts integer points. */
const MICRO_USD = 1_000_000;

const secondsUntil = (milliseconds: number): number => Math.max(1, Math.ceil(milliseconds / 1_000));

/**
 * Quotas on rate-limiter-flexible: kept in Redis (so every replica shares them)
 * when a client is given, else in this process. The day is a fixed 24-hour window
 * that opens with the owner's first counted token.
 */
export function createOwnerQuotas(
  limits: Pick<LimitsConfig, 'mutationsPerMinute' | 'maxRunningPerOwner' | 'dailyTokenBudget' | 'dailyCostUsd'>,
  { redis, keyPrefix = '' }: { redis?: Redis; keyPrefix?: string } = {},
): OwnerQuotas {
  const limiter = (name: string, points: number, duration: number): RateLimiterAbstract =>
    redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}limit:${name}`, points, duration })
      : new RateLimiterMemory({ keyPrefix: name, points, duration });
  const mutations = limiter('mutations', limits.mutationsPerMinute, MINUTE_SECONDS);
  const budget = limits.dailyTokenBudget;
  const tokens = budget === undefined ? undefined : limiter('tokens', budget, DAY_SECONDS);
  const costLimit = limits.dailyCostUsd === undefined ? undefined : Math.round(limits.dailyCostUsd * MICRO_USD);
  const spending = costLimit === undefined ? undefined : limiter('cost', costLimit, DAY_SECONDS);

  async function spent(counter: RateLimiterAbstract | undefined, limit: number | undefined, owner: string) {
    if (!counter || limit === undefined) return undefined;
    const used = await counter.get(owner);
    return used && used.consumedPoints >= limit ? secondsUntil(used.msBeforeNext) : undefined;
  }

  return {
    maxRunning: limits.maxRunningPerOwner,
    async chargeMutations(owner, count) {
      try {
        await mutations.consume(owner, count);
      } catch (rejection) {
        // A rejection without a RateLimiterRes is a store error: not the caller's fault, so not a 429.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw rateLimited(
          `at most ${limits.mutationsPerMinute} mutations a minute (RATE_LIMIT_PER_MINUTE)`,
          secondsUntil(rejection.msBeforeNext),
        );
      }
    },
    tokenBudgetSpent: (owner) => spent(tokens, budget, owner),
    async recordTokens(owner, count) {
      if (tokens && count > 0) await tokens.penalty(owner, count);
    },
    costBudgetSpent: (owner) => spent(spending, costLimit, owner),
    async recordCost(owner, usd) {
      // rounded up: many calls of a fraction of a millionth still count
      if (spending && usd > 0) await spending.penalty(owner, Math.ceil(usd * MICRO_USD));
    },
  };
}
