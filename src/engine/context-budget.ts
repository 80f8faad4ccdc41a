import type { ProviderName } from '../domain.js';
import type { ChatTurn } from '../providers/types.js';

/** Context windows assumed when an agent sets no `maxContextTokens`: conservative for each vendor's common models. */
export const DEFAULT_CONTEXT_TOKENS: Record<ProviderName, number> = {
  ANTHROPIC: 200_000,
  OPENAI: 128_000,
  GEMINI: 1_000_000,
  CLAUDE_AGENT: 200_000,
  OPENAI_COMPATIBLE: 8_192,
  MOCK: 16_000,
  // what a replay is sent is never read: nothing is trimmed
  REPLAY: 1_000_000,
};

/** Room kept for the reply when the agent sets no maxTokens. */
export const DEFAULT_REPLY_RESERVE = 1_024;

const TURN_OVERHEAD = 8;

/**
 * An upper estimate of a text's tokens without a vendor tokenizer: about three
 * characters a token (English averages nearer four), so budgets err on the safe side.
 */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 3);

export const estimateTurnTokens = (turn: ChatTurn): number => estimateTokens(turn.content) + estimateTokens(turn.name) + TURN_OVERHEAD;

const omissionNote = (count: number): ChatTurn => ({
  role: 'user',
  name: 'orchestrator',
  content: `(${count} earlier message${count === 1 ? ' is' : 's are'} left out here to fit the context window.)`,
});

function truncateTurn(turn: ChatTurn, tokens: number): ChatTurn {
  const characters = Math.max(0, (tokens - estimateTokens(turn.name) - TURN_OVERHEAD) * 3 - 1);
  return turn.content.length <= characters ? turn : { ...turn, content: `${turn.content.slice(0, Math.max(0, characters - 1))}…` };
}

/**
 * The transcript that fits `budget` tokens together with the system prompt: as
 * it is when it fits; otherwise the first message, a one-line note of how many
 * were left out, and as many of the most recent turns as fit.
 */
export function fitTranscript(system: string, turns: readonly ChatTurn[], budget: number): ChatTurn[] {
  // The system prompt travels as a message too: count its overhead like a turn's.
  const available = budget - estimateTokens(system) - TURN_OVERHEAD;
  const total = turns.reduce((sum, turn) => sum + estimateTurnTokens(turn), 0);
  if (total <= available) return [...turns];
  const [first, ...rest] = turns;
  if (!first) return [];
  const noteCost = estimateTurnTokens(omissionNote(rest.length));
  const firstKept = truncateTurn(first, Math.max(TURN_OVERHEAD * 2, Math.floor(available / 4)));
  let room = available - estimateTurnTokens(firstKept) - noteCost;
  const recent: ChatTurn[] = [];
  for (let index = rest.length - 1; index >= 0; index--) {
    const turn = rest[index];
    if (!turn) break;
    const cost = estimateTurnTokens(turn);
    if (cost > room) {
      // The newest turn is what the agent answers: keep its beginning rather than nothing.
      if (recent.length === 0 && room > TURN_OVERHEAD * 2) recent.unshift(truncateTurn(turn, room));
      break;
    }
    recent.unshift(turn);
    room -= cost;
  }
  const left = rest.length - recent.length;
  return left === 0 ? [firstKept, ...recent] : [firstKept, omissionNote(left), ...recent];
}
