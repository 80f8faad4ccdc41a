import { STOP_REASONS, type StopReason } from '../domain.js';
import type { DiscussionRecord } from '../store/types.js';

/** The limit that stops the discussion before its next turn, if any. */
export function checkLimits(record: DiscussionRecord): StopReason | undefined {
  const { maxMessages, maxTotalTokens } = record.termination;
  if (maxMessages !== undefined && record.messageCount >= maxMessages) return STOP_REASONS.maxMessages;
  const spent = (record.usage.inputTokens ?? 0) + (record.usage.outputTokens ?? 0);
  if (maxTotalTokens !== undefined && spent >= maxTotalTokens) return STOP_REASONS.maxTotalTokens;
  return undefined;
}

/** The first stop phrase found in the text, ignoring case. */
export function findStopPhrase(text: string, phrases: readonly string[]): string | undefined {
  const haystack = text.toLowerCase();
  return phrases.find((phrase) => haystack.includes(phrase.toLowerCase()));
}
