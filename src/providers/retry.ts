// A small, bounded retry policy for an SDK without a usable one of its own
// (the Gemini SDK's opt-in retries ignore the server's retry delay). The
// Anthropic and OpenAI SDKs retry by themselves and do not use this.

/** A server asking for a longer pause than this is not waited for: the turn fails and the engine moves on. */
export const MAX_RETRY_AFTER_MS = 60_000;

const BASE_DELAY_MS = 500;
const MAX_BACKOFF_MS = 8_000;

/** Exponential backoff (0.5 s, 1 s, 2 s … capped at 8 s) with up to 25 % jitter, like the Stainless SDKs. */
export function computeBackoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_BACKOFF_MS);
  return Math.round(ceiling * (1 - random() * 0.25));
}

/** Reads a google.protobuf.Duration in its JSON form ("1s", "0.250s", "23.5s") as milliseconds. */
export function parseDurationMs(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  if (match?.[1] === undefined) return undefined;
  return Math.round(Number(match[1]) * 1000);
}

export interface RetryDecision {
  /** Attempts already retried (0 on the first failure). */
  attempt: number;
  maxRetries: number;
  retryable: boolean;
  /** The pause the server asked for, if it said. */
  retryAfterMs?: number;
}

/** How long to wait before the next attempt, or undefined when the failure is final. */
export function planRetry(decision: RetryDecision, random: () => number = Math.random): number | undefined {
  if (!decision.retryable || decision.attempt >= decision.maxRetries) return undefined;
  if (decision.retryAfterMs === undefined) return computeBackoffMs(decision.attempt, random);
  return decision.retryAfterMs <= MAX_RETRY_AFTER_MS ? Math.max(0, decision.retryAfterMs) : undefined;
}
