import type { ChatTurn } from './types.js';

/** Stands in for the first user turn when the transcript is empty or opens with the agent itself. */
export const OPENING_TURN = '(The discussion begins.)';

/** Closes a transcript that ends with the agent's own turn, so the vendor does not treat it as a prefill to continue. */
export const CONTINUE_TURN = '(No one else has spoken since your last message. Continue the discussion.)';

export interface AlternatingTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** "Name: text": how another participant's words appear in a user turn. */
export function formatSpokenLine(turn: Pick<ChatTurn, 'name' | 'content'>): string {
  return `${turn.name}: ${turn.content}`;
}

/**
 * Maps the transcript onto strict user/assistant alternation (Anthropic,
 * Gemini): consecutive turns of other participants merge into one user turn,
 * one "Name: text" paragraph each; consecutive own turns merge into one
 * assistant turn; empty own turns are dropped (vendors reject empty blocks).
 * The result starts and ends with a user turn.
 */
export function convertToAlternatingTurns(turns: readonly ChatTurn[]): AlternatingTurn[] {
  const merged: AlternatingTurn[] = [];
  for (const turn of turns) {
    if (turn.role === 'assistant' && turn.content.trim() === '') continue;
    const content = turn.role === 'user' ? formatSpokenLine(turn) : turn.content;
    const previous = merged.at(-1);
    if (previous?.role === turn.role) {
      previous.content = `${previous.content}\n\n${content}`;
    } else {
      merged.push({ role: turn.role, content });
    }
  }
  if (merged[0]?.role !== 'user') merged.unshift({ role: 'user', content: OPENING_TURN });
  if (merged.at(-1)?.role === 'assistant') merged.push({ role: 'user', content: CONTINUE_TURN });
  return merged;
}
