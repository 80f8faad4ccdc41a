// How records map onto Redis values: the discussion hash, the log stream's
// entries, and the untyped replies of the Lua scripts (the in-flight message's
// are in redis-in-flight.ts).
// What Redis hands back is parsed, never cast. A stored value that does not
// parse comes back as a failed `Decoded` for the store to log and skip; a
// script reply of the wrong shape is a bug in this process, not bad data, and throws.

import { z } from 'zod';
import { DISCUSSION_STATUSES, STOP_REASONS } from '../domain.js';
import type { Usage } from '../domain.js';
import {
  STATE_PATCH_FIELDS,
  USAGE_COUNTS,
  applyStatePatch,
  discussionConfigSchema,
  jsonText,
  messageRecordSchema,
  pickConfig,
  pickUsage,
  speakerSelectionSchema,
  statusChangeSchema,
  timestampSchema,
  toolCallRecordSchema,
} from './records.js';
import type { UsageCount } from './records.js';
import type { DiscussionAccess, DiscussionRecord, LogEntry, StatePatch } from './types.js';

/** A value read back from Redis, or why it does not parse. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: z.ZodError };

/** The store's reader of a `Decoded`: the value, or undefined (logged with `context`) when it does not parse. */
export type Readable = <T>(decoded: Decoded<T>, context: Record<string, string>, message: string) => T | undefined;

export type HashFields = Record<string, string>;

/** Field prefixes of per-agent usage in the discussion hash: `in:<name>`, `out:<name>`. */
const AGENT_USAGE_PREFIXES: Record<UsageCount, string> = { inputTokens: 'in:', outputTokens: 'out:' };

export const agentUsageField = (count: UsageCount, agentName: string): string => `${AGENT_USAGE_PREFIXES[count]}${agentName}`;

/** Field prefixes of the picks' usage per model: `selector-in:<PROVIDER/model>`, `selector-out:<PROVIDER/model>` (no agent prefix is a prefix of these). */
export const SELECTOR_USAGE_PREFIXES: Record<UsageCount, string> = { inputTokens: 'selector-in:', outputTokens: 'selector-out:' };

/** The discussion hash as field, value, field, value… Usage counts only once reported. */
export function encodeRecord(record: DiscussionRecord): string[] {
  const fields: string[] = [
    'config',
    JSON.stringify(pickConfig(record)),
    'owner',
    record.owner,
    'createdAt',
    record.createdAt,
    'status',
    record.status,
    'turn',
    String(record.turn),
    'round',
    String(record.currentRound),
    'messageCount',
    String(record.messageCount),
    'failures',
    String(record.consecutiveFailures),
  ];
  for (const count of USAGE_COUNTS) {
    const total = record.usage[count];
    if (total !== undefined) fields.push(count, String(total));
    for (const [agentName, usage] of Object.entries(record.agentUsage)) {
      const value = usage[count];
      if (value !== undefined) fields.push(agentUsageField(count, agentName), String(value));
    }
    for (const [key, usage] of Object.entries(record.selectorUsage ?? {})) {
      const value = usage[count];
      if (value !== undefined) fields.push(`${SELECTOR_USAGE_PREFIXES[count]}${key}`, String(value));
    }
  }
  for (const field of STATE_PATCH_FIELDS) {
    const value = record[field];
    if (value !== undefined) fields.push(field, value);
  }
  return fields;
}

/** A count as Redis keeps it: decimal digits, written by HSET or HINCRBY. */
export const countText = z
  .string()
  .regex(/^\d{1,15}$/, 'not a count')
  .transform(Number);

/**
 * Usage per name from the fields under `prefixes` (per agent: `in:<name>` and `out:<name>`);
 * a value that is not a count is an issue.
 */
function decodeUsageFields(
  fields: Record<string, unknown>,
  prefixes: Record<UsageCount, string>,
  context: z.RefinementCtx,
): Record<string, Usage> {
  const usageByName: Record<string, Usage> = {};
  for (const [field, value] of Object.entries(fields)) {
    for (const count of USAGE_COUNTS) {
      const prefix = prefixes[count];
      if (!field.startsWith(prefix)) continue;
      const total = countText.safeParse(value);
      if (total.success) (usageByName[field.slice(prefix.length)] ??= {})[count] = total.data;
      else context.addIssue({ code: 'custom', path: [field], message: 'not a count' });
    }
  }
  return usageByName;
}

/** The discussion hash (see `encodeRecord`); loose, so the per-agent usage fields reach the transform. */
const discussionHashSchema = z
  .looseObject({
    config: jsonText(discussionConfigSchema),
    owner: z.string(),
    createdAt: timestampSchema,
    status: z.enum(DISCUSSION_STATUSES),
    turn: countText,
    round: countText,
    messageCount: countText,
    failures: countText,
    inputTokens: countText.optional(),
    outputTokens: countText.optional(),
    stopReason: z.enum(STOP_REASONS).optional(),
    error: z.string().optional(),
    startedAt: timestampSchema.optional(),
    finishedAt: timestampSchema.optional(),
    nextSpeaker: z.string().optional(),
  })
  .transform((hash, context): Omit<DiscussionRecord, 'id'> => {
    const record: Omit<DiscussionRecord, 'id'> = {
      ...hash.config,
      owner: hash.owner,
      createdAt: hash.createdAt,
      status: hash.status,
      turn: hash.turn,
      currentRound: hash.round,
      messageCount: hash.messageCount,
      usage: pickUsage(hash),
      agentUsage: decodeUsageFields(hash, AGENT_USAGE_PREFIXES, context),
      consecutiveFailures: hash.failures,
    };
    const selectorUsage = decodeUsageFields(hash, SELECTOR_USAGE_PREFIXES, context);
    if (Object.keys(selectorUsage).length > 0) record.selectorUsage = selectorUsage;
    // The optional state fields the hash has, as a patch that sets them.
    applyStatePatch(record, hash);
    return record;
  });

/** The discussion hash as HGETALL returns it (a missing key is an empty hash: check that first). */
export function decodeRecord(id: string, fields: unknown): Decoded<DiscussionRecord> {
  const decoded = decodeWith(discussionHashSchema, fields);
  return decoded.ok ? { ok: true, value: { ...decoded.value, id } } : decoded;
}

/** The `owner` and `status` fields of the discussion hash, as `HMGET owner status` returns them. */
const accessReplySchema = z
  .tuple([z.string(), z.enum(DISCUSSION_STATUSES)])
  .transform(([owner, status]): DiscussionAccess => ({ owner, status }));

/** The discussion's owner and status; undefined when neither field exists (no such discussion). */
export function decodeAccess(reply: readonly (string | null)[]): Decoded<DiscussionAccess> | undefined {
  if (reply.every((field) => field === null)) return undefined;
  return decodeWith(accessReplySchema, reply);
}

export const isEmptyHash = (reply: unknown): boolean => typeof reply === 'object' && reply !== null && Object.keys(reply).length === 0;

/**
 * The patch arguments of the transition script: the number of fields to set,
 * then field, value… to HSET, then the fields to HDEL (those the patch gives as null).
 */
export function encodeStatePatch(patch: StatePatch | undefined): string[] {
  const set: string[] = [];
  const remove: string[] = [];
  for (const field of STATE_PATCH_FIELDS) {
    const value = patch?.[field];
    if (value === null) remove.push(field);
    else if (value !== undefined) set.push(field, value);
  }
  return [String(set.length / 2), ...set, ...remove];
}

/** The usage arguments of the append scripts: a count, or '' when it was not reported. */
export function encodeUsageArguments(usage: Usage | undefined): [input: string, output: string] {
  const picked = pickUsage(usage);
  return [
    picked.inputTokens === undefined ? '' : String(picked.inputTokens),
    picked.outputTokens === undefined ? '' : String(picked.outputTokens),
  ];
}

/** The fields of a log stream entry: its `type`, and its `data` as JSON of that type's record. */
const streamEntrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), data: jsonText(messageRecordSchema) }),
  z.object({ type: z.literal('status'), data: jsonText(statusChangeSchema) }),
  z.object({ type: z.literal('speaker_selected'), data: jsonText(speakerSelectionSchema) }),
  z.object({ type: z.literal('tool_call'), data: jsonText(toolCallRecordSchema) }),
]);

/** One stream entry (`type` and `data` fields) as a log entry; its id is the cursor. */
export function decodeLogEntry([cursor, fieldList]: [string, string[]]): Decoded<LogEntry> {
  const decoded = decodeWith(streamEntrySchema, pairsToObject(fieldList));
  if (!decoded.ok) return decoded;
  const entry = decoded.value;
  switch (entry.type) {
    case 'message':
      return { ok: true, value: { type: 'message', cursor, message: entry.data } };
    case 'status':
      return { ok: true, value: { type: 'status', cursor, change: entry.data } };
    case 'speaker_selected':
      return { ok: true, value: { type: 'speaker_selected', cursor, selection: entry.data } };
    case 'tool_call':
      return { ok: true, value: { type: 'tool_call', cursor, toolCall: entry.data } };
    default: {
      const unexpected: never = entry;
      throw new Error(`Unhandled log entry ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The cursor a log-writing script returned, and the one before it when there was one. */
export type AppendedPosition = { cursor: string; previousCursor?: string };

const positionReplySchema = z.tuple([z.string(), z.string()]);
const positionAndHashReplySchema = z.tuple([z.string(), z.string(), z.array(z.string())]);
const stringsReplySchema = z.array(z.string());

const toPosition = ([cursor, previous]: readonly [string, string]): AppendedPosition =>
  previous === '' ? { cursor } : { cursor, previousCursor: previous };

/** The `{ cursor, previous cursor }` reply of the selection and tool-call scripts, or undefined for a nil reply. */
export function decodePosition(reply: unknown): AppendedPosition | undefined {
  return reply === null ? undefined : toPosition(parseReply(positionReplySchema, reply));
}

/** The `{ cursor, previous cursor, HGETALL }` reply of the transition and append scripts, or undefined for a nil reply. */
export function decodePositionAndHash(reply: unknown): { position: AppendedPosition; fields: HashFields } | undefined {
  if (reply === null) return undefined;
  const [cursor, previous, hash] = parseReply(positionAndHashReplySchema, reply);
  return { position: toPosition([cursor, previous]), fields: pairsToObject(hash) };
}

/** The member, score… reply of the list script, or undefined when the member to continue after is gone. */
export function decodeScoredMembers(reply: unknown): { member: string; score: string }[] | undefined {
  if (reply === null) return undefined;
  const values = parseReply(stringsReplySchema, reply);
  const members: { member: string; score: string }[] = [];
  for (let index = 0; index + 1 < values.length; index += 2) {
    const member = values[index];
    const score = values[index + 1];
    if (member !== undefined && score !== undefined) members.push({ member, score });
  }
  return members;
}

export function pairsToObject(values: readonly string[]): HashFields {
  const fields: HashFields = {};
  for (let index = 0; index + 1 < values.length; index += 2) {
    const field = values[index];
    const value = values[index + 1];
    if (field !== undefined && value !== undefined) fields[field] = value;
  }
  return fields;
}

export function decodeWith<Output>(schema: z.ZodType<Output>, input: unknown): Decoded<Output> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: result.error };
}

export function parseReply<Output>(schema: z.ZodType<Output>, reply: unknown): Output {
  const result = schema.safeParse(reply);
  if (!result.success) throw new Error(`Unexpected script reply: ${z.prettifyError(result.error)}`);
  return result.data;
}
