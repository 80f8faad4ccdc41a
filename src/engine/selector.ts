import { z } from 'zod';
import { addUsage, type Usage } from '../domain.js';
import type { ChatModel, ChatTurn } from '../providers/types.js';

/** The answer a selector may give instead of a name (the moderator ending the discussion). */
export const CONCLUDE = 'CONCLUDE';

export interface SelectionRequest {
  model: ChatModel;
  modelName: string;
  /** Who is choosing and how: the selector's or moderator's system prompt. */
  system: string;
  /** The recent transcript the chooser reads. */
  transcript: ChatTurn[];
  candidates: string[];
  /** Whether CONCLUDE is an acceptable answer. */
  allowConclude: boolean;
  /** Chosen when no usable answer comes. */
  fallback: string;
  signal: AbortSignal;
}

export interface SelectionResult {
  /** A candidate's name, or CONCLUDE. */
  choice: string;
  reason: string;
  attempts: number;
  fellBack: boolean;
  usage: Usage;
}

const fold = (text: string): string => text.trim().toLowerCase();

/** A chooser's JSON answer: an object (not an array); each field is checked where it is read. */
const answerSchema = z.object({ speaker: z.unknown().optional(), next: z.unknown().optional(), reason: z.unknown().optional() });

function stripFence(text: string): string {
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(text.trim());
  return fenced?.[1] ?? text.trim();
}

/**
 * Reads a chooser's answer strictly: a JSON object whose `speaker` (or `next`)
 * is exactly one allowed name after trimming and case-folding, or a bare name
 * alone. Anything else (prose, several names, unknown names, instructions) is
 * unusable and gives undefined.
 */
export function parseSelection(text: string, allowed: readonly string[]): { choice: string; reason: string } | undefined {
  const match = (value: unknown): string | undefined =>
    typeof value === 'string' ? allowed.find((name) => fold(name) === fold(value)) : undefined;
  const body = stripFence(text);
  if (body.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
    const answer = answerSchema.safeParse(parsed);
    if (!answer.success) return undefined;
    const fields = answer.data;
    const choice = match(fields.speaker ?? fields.next);
    if (!choice) return undefined;
    const reason = typeof fields.reason === 'string' ? fields.reason.trim().slice(0, 500) : '';
    return { choice, reason };
  }
  const bare = body.replace(/^["'`]+|["'`.!]+$/g, '');
  const choice = match(bare);
  return choice ? { choice, reason: '' } : undefined;
}

/** Output tokens one answer of a chooser may use. */
export const SELECTOR_MAX_TOKENS = 200;
/** Answers asked for at most: the first and one correction. */
export const SELECTOR_ATTEMPTS = 2;
/** An upper estimate of what the chooser is sent besides the transcript: the instruction, and for a correction the earlier answer (cut at 2,000 characters) and the correction. */
export const SELECTOR_EXTRA_INPUT_TOKENS = 1_200;

function instruction(allowed: readonly string[]): string {
  return `Reply with only a JSON object {"speaker": "<name>", "reason": "<one short sentence>"} where <name> is exactly one of: ${allowed.join(', ')}.`;
}

/**
 * Asks the chooser for the next speaker; an unusable answer is corrected once,
 * then turn order decides. The chooser's token usage is returned either way.
 */
export async function selectSpeaker(request: SelectionRequest): Promise<SelectionResult> {
  const allowed = request.allowConclude ? [...request.candidates, CONCLUDE] : request.candidates;
  const usage: Usage = {};
  const messages: ChatTurn[] = [...request.transcript, { role: 'user', name: 'orchestrator', content: instruction(allowed) }];
  for (let attempt = 1; attempt <= SELECTOR_ATTEMPTS; attempt++) {
    let text = '';
    for await (const part of request.model.stream({
      model: request.modelName,
      system: request.system,
      messages,
      temperature: 0,
      maxTokens: SELECTOR_MAX_TOKENS,
      responseFormat: 'json',
      signal: request.signal,
    })) {
      if (part.type === 'text-delta') text += part.text;
      else if (part.type === 'finish') addUsage(usage, part.usage);
    }
    const parsed = parseSelection(text, allowed);
    if (parsed) return { ...parsed, attempts: attempt, fellBack: false, usage };
    if (request.signal.aborted) break;
    messages.push(
      { role: 'assistant', name: 'selector', content: text.trim() === '' ? '(empty)' : text.slice(0, 2_000) },
      { role: 'user', name: 'orchestrator', content: `That answer could not be used. ${instruction(allowed)}` },
    );
  }
  return {
    choice: request.fallback,
    reason: 'no usable answer from the selector; turn order decided',
    attempts: SELECTOR_ATTEMPTS,
    fellBack: true,
    usage,
  };
}
