// forkDiscussion: a new CREATED discussion whose transcript begins with copies of another's
// messages up to a cursor, with the caller's changes from there on. The pieces the service
// puts together: the source as creation input, the changes over it, and the counters.

import { randomUUID } from 'node:crypto';
import { type DiscussionRecord, type DiscussionStore, isCursor, type MessageRecord } from '../store/types.js';
import { badInput } from './errors.js';
import type { CreateDiscussionInput } from './validation.js';

/** What `ForkInput` may change; everything else is the source's. */
export type ForkInput = {
  [Field in 'topic' | 'agents' | 'humans' | 'maxRounds' | 'termination']?: CreateDiscussionInput[Field] | null;
};

/** The source discussion as the input that would create it again, its resolved prompts and models included. */
function sourceInput(source: DiscussionRecord): CreateDiscussionInput {
  return {
    topic: source.topic,
    protocol: source.protocol,
    maxRounds: source.maxRounds,
    agents: source.agents.map((agent) => ({
      name: agent.name,
      persona: agent.persona,
      systemPrompt: agent.systemPrompt,
      provider: agent.provider,
      model: agent.model,
      temperature: agent.temperature,
      maxTokens: agent.maxTokens,
      maxContextTokens: agent.maxContextTokens,
      stance: agent.stance,
      tools: agent.tools,
    })),
    humans: source.humans,
    termination: source.termination,
    selector: source.selector,
    webhookUrl: source.webhookUrl,
  };
}

/** The source's input with each field the fork names replaced (null or absent: kept). */
export function forkedInput(source: DiscussionRecord, changes: ForkInput | null | undefined): CreateDiscussionInput {
  const input = sourceInput(source);
  return {
    ...input,
    topic: changes?.topic ?? input.topic,
    agents: changes?.agents ?? input.agents,
    humans: changes?.humans ?? input.humans,
    maxRounds: changes?.maxRounds ?? input.maxRounds,
    termination: changes?.termination ?? input.termination,
  };
}

/**
 * Where the fork's counters start: the round of the last copied message, and the turn after the
 * last one the copies committed. An agent's message or a system note ends its turn; a human's may
 * be an injection into a turn not yet taken, so it does not move the count (a turn number left
 * unused is harmless: turns are fenced by equality, not by sequence).
 */
export function forkCounters(copies: readonly MessageRecord[]): { turn: number; currentRound: number } {
  let turn = 0;
  for (const message of copies) turn = Math.max(turn, message.role === 'HUMAN' ? message.turn : message.turn + 1);
  return { turn, currentRound: copies.at(-1)?.round ?? 0 };
}

/** A copy of a source message for the fork: a new id and discussion; author, content, usage and timing kept. */
export function copyMessage(message: MessageRecord, discussionId: string): MessageRecord {
  const id = randomUUID();
  const copy: MessageRecord = { ...structuredClone(message), id, discussionId };
  if (copy.toolCalls) copy.toolCalls = copy.toolCalls.map((call) => ({ ...call, messageId: id }));
  return copy;
}

/**
 * Stores the fork: its record with the counters and source link, then copies of the source's
 * messages up to and including `atCursor` (BAD_USER_INPUT when no message has that cursor).
 */
export async function writeFork(
  store: DiscussionStore,
  source: DiscussionRecord,
  atCursor: string,
  prepared: DiscussionRecord,
): Promise<DiscussionRecord> {
  if (atCursor.length > MAX_CURSOR_LENGTH || !isCursor(atCursor)) throw badInput('atCursor', 'is not a cursor from this API');
  const copied: MessageRecord[] = [];
  let after: string | undefined;
  let found = false;
  while (!found) {
    const page = await store.readMessages(source.id, { after, limit: FORK_READ_PAGE, direction: 'forward' });
    for (const item of page.items) {
      copied.push(item.message);
      if (item.cursor === atCursor) {
        found = true;
        break;
      }
    }
    after = page.items.at(-1)?.cursor;
    if (!page.hasMore || after === undefined) break;
  }
  if (!found) throw badInput('atCursor', `is not the cursor of a message of discussion "${source.id}"`);
  const record: DiscussionRecord = { ...prepared, ...forkCounters(copied), forkedFrom: { discussionId: source.id, cursor: atCursor } };
  await store.create(record);
  for (const message of copied) await store.appendMessage(record.id, copyMessage(message, record.id));
  return (await store.get(record.id)) ?? record;
}

/** Longer than any cursor the store makes: refused without being looked at. */
const MAX_CURSOR_LENGTH = 40;

/** Messages read per page while copying. */
const FORK_READ_PAGE = 500;

/** How many of the owner's discussions `forks` reads per page while it looks for a discussion's forks. */
const FORK_SCAN_PAGE = 100;

/** The discussions forked from `record`, newest first: its owner's discussions that name it as their source. */
export async function listForks(store: DiscussionStore, record: Pick<DiscussionRecord, 'id' | 'owner'>): Promise<DiscussionRecord[]> {
  const forks: DiscussionRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.list(record.owner, { first: FORK_SCAN_PAGE, after });
    forks.push(...page.items.filter((item) => item.forkedFrom?.discussionId === record.id));
    after = page.items.at(-1)?.id;
    if (!page.hasMore || after === undefined) return forks;
  }
}
