// Small presentation helpers shared by the pages.
import type { DiscussionStatus, Provider } from './gql/graphql';

export const STATUS_LABELS: Record<DiscussionStatus, string> = {
  CREATED: 'Not started',
  RUNNING: 'Running',
  PAUSED: 'Paused',
  WAITING_FOR_HUMAN: 'Waiting for a human',
  COMPLETED: 'Completed',
  STOPPED: 'Stopped',
  FAILED: 'Failed',
};

export const ENDED: ReadonlySet<DiscussionStatus> = new Set(['COMPLETED', 'STOPPED', 'FAILED']);

interface UsageLike {
  inputTokens?: number | null;
  outputTokens?: number | null;
  totalTokens?: number | null;
  costUsd?: number | null;
}

/** "$0.0123": four decimals below a dollar, cents above; the server gives null when it cannot price, shown as nothing. */
export function costText(costUsd: number | null | undefined): string | undefined {
  if (costUsd == null) return undefined;
  return costUsd < 1 ? `$${costUsd.toFixed(4)}` : `$${costUsd.toFixed(2)}`;
}

/** "1,234 tokens (1,000 in, 234 out), $0.0123"; a count no provider reported is "not reported", never 0; no price, no cost. */
export function usageText(usage: UsageLike | null | undefined): string {
  if (!usage || usage.totalTokens == null) return 'usage not reported';
  const parts = [
    usage.inputTokens == null ? undefined : `${usage.inputTokens.toLocaleString('en')} in`,
    usage.outputTokens == null ? undefined : `${usage.outputTokens.toLocaleString('en')} out`,
  ];
  const detail = parts.filter(Boolean).join(', ');
  const cost = costText(usage.costUsd);
  return `${usage.totalTokens.toLocaleString('en')} tokens${detail ? ` (${detail})` : ''}${cost ? `, ${cost}` : ''}`;
}

export function timeText(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A stable hue per speaker, so each one's bubbles keep their colour. */
export function hueOf(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  // The golden angle spreads neighbouring hashes around the colour wheel.
  return Math.round((hash % 1000) * 137.508) % 360;
}

/** One line of at most `max` characters: each run of white space becomes one space, and a longer line ends in "…". */
export function shortText(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function titleCase(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase().replaceAll('_', ' ');
}

export const PROVIDER_NAMES: Record<Provider, string> = {
  ANTHROPIC: 'Anthropic',
  CLAUDE_AGENT: 'Claude Agent',
  GEMINI: 'Gemini',
  MOCK: 'Mock',
  OPENAI: 'OpenAI',
  OPENAI_COMPATIBLE: 'OpenAI-compatible',
  REPLAY: 'Replay',
};
