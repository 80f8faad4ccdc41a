// How records map onto Redis values: the discussion hash, the log stream's
// entries, the in-flight hash, and the untyped replies of the Lua scripts.

import { DISCUSSION_STATUSES, PROVIDERS } from '../domain.js';
import type { DiscussionStatus, ProviderName, Usage } from '../domain.js';
import { STATE_PATCH_FIELDS, USAGE_COUNTS, pickConfig, pickUsage } from './records.js';
import type { UsageCount } from './records.js';
import type {
  DiscussionConfig,
  DiscussionRecord,
  InFlightRecord,
  InFlightStart,
  LogEntry,
  MessageRecord,
  SpeakerSelection,
  StatePatch,
  StatusChange,
} from './types.js';

type HashFields = Record<string, string>;

/** Field prefixes of per-agent usage in the discussion hash: `in:<name>`, `out:<name>`. */
const AGENT_USAGE_PREFIXES: Record<UsageCount, string> = { inputTokens: 'in:', outputTokens: 'out:' };

export const agentUsageField = (count: UsageCount, agentName: string): string => `${AGENT_USAGE_PREFIXES[count]}${agentName}`;

/** The discussion hash as field, value, field, value… Usage counts only once reported. */
export function encodeRecord(record: DiscussionRecord): string[] {
  const fields: string[] = [
    'config', JSON.stringify(pickConfig(record)),
    'owner', record.owner,
    'createdAt', record.createdAt,
    'status', record.status,
    'turn', String(record.turn),
    'round', String(record.currentRound),
    'messageCount', String(record.messageCount),
    'failures', String(record.consecutiveFailures),
  ];
  for (const count of USAGE_COUNTS) {
    const total = record.usage[count];
    if (total !== undefined) fields.push(count, String(total));
    for (const [agentName, usage] of Object.entries(record.agentUsage)) {
      const value = usage[count];
      if (value !== undefined) fields.push(agentUsageField(count, agentName), String(value));
    }
  }
  for (const field of STATE_PATCH_FIELDS) {
    const value = record[field];
    if (value !== undefined) fields.push(field, value);
  }
  return fields;
}

export function decodeRecord(id: string, fields: HashFields): DiscussionRecord {
  const config = parseJson<DiscussionConfig>(requireField(fields, 'config'));
  const usage: Usage = {};
  const agentUsage: Record<string, Usage> = {};
  for (const count of USAGE_COUNTS) {
    const total = fields[count];
    if (total !== undefined) usage[count] = Number(total);
  }
  for (const [field, value] of Object.entries(fields)) {
    for (const count of USAGE_COUNTS) {
      const prefix = AGENT_USAGE_PREFIXES[count];
      if (!field.startsWith(prefix)) continue;
      const agentName = field.slice(prefix.length);
      const entry = (agentUsage[agentName] ??= {});
      entry[count] = Number(value);
    }
  }
  const record: DiscussionRecord = {
    ...config,
    id,
    owner: requireField(fields, 'owner'),
    createdAt: requireField(fields, 'createdAt'),
    status: decodeStatus(requireField(fields, 'status')),
    turn: Number(requireField(fields, 'turn')),
    currentRound: Number(requireField(fields, 'round')),
    messageCount: Number(requireField(fields, 'messageCount')),
    usage,
    agentUsage,
    consecutiveFailures: Number(requireField(fields, 'failures')),
  };
  for (const field of STATE_PATCH_FIELDS) {
    const value = fields[field];
    if (value !== undefined) record[field] = value;
  }
  return record;
}

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
  return [picked.inputTokens === undefined ? '' : String(picked.inputTokens), picked.outputTokens === undefined ? '' : String(picked.outputTokens)];
}

/** One stream entry (`type` and `data` fields) as a log entry; its id is the cursor. */
export function decodeLogEntry([cursor, fieldList]: [string, string[]]): LogEntry {
  const fields = pairsToObject(fieldList);
  const type = requireField(fields, 'type');
  const data = requireField(fields, 'data');
  switch (type) {
    case 'message':
      return { type: 'message', cursor, message: parseJson<MessageRecord>(data) };
    case 'status':
      return { type: 'status', cursor, change: parseJson<StatusChange>(data) };
    case 'speaker_selected':
      return { type: 'speaker_selected', cursor, selection: parseJson<SpeakerSelection>(data) };
    default:
      throw new Error(`Unknown log entry type "${type}" at ${cursor}`);
  }
}

export function encodeInFlight(inFlight: Omit<InFlightRecord, 'text'>): string[] {
  const fields = [
    'messageId', inFlight.messageId,
    'author', inFlight.author,
    'round', String(inFlight.round),
    'turn', String(inFlight.turn),
    'startedAt', inFlight.startedAt,
  ];
  if (inFlight.provider !== undefined) fields.push('provider', inFlight.provider);
  if (inFlight.model !== undefined) fields.push('model', inFlight.model);
  return fields;
}

export function decodeInFlight(fields: HashFields, text: string): InFlightRecord {
  const inFlight: InFlightRecord = {
    messageId: requireField(fields, 'messageId'),
    author: requireField(fields, 'author'),
    round: Number(requireField(fields, 'round')),
    turn: Number(requireField(fields, 'turn')),
    startedAt: requireField(fields, 'startedAt'),
    text,
  };
  const provider = fields.provider;
  if (provider !== undefined) inFlight.provider = decodeProvider(provider);
  if (fields.model !== undefined) inFlight.model = fields.model;
  return inFlight;
}

/** The cursor a log-writing script returned, and the one before it when there was one. */
export type AppendedPosition = { cursor: string; previousCursor?: string };

/** The `{ cursor, previous cursor }` reply of the selection script, or undefined for a nil reply. */
export function decodePosition(reply: unknown): AppendedPosition | undefined {
  if (reply === null) return undefined;
  if (!Array.isArray(reply) || reply.length < 2) throw new Error('Unexpected script reply');
  const [cursor, previous]: unknown[] = reply;
  if (typeof cursor !== 'string' || typeof previous !== 'string') throw new Error('Unexpected script reply: cursor');
  return previous === '' ? { cursor } : { cursor, previousCursor: previous };
}

/** The `{ cursor, previous cursor, HGETALL }` reply of the transition and append scripts, or undefined for a nil reply. */
export function decodePositionAndHash(reply: unknown): { position: AppendedPosition; fields: HashFields } | undefined {
  const position = decodePosition(reply);
  if (position === undefined) return undefined;
  if (!Array.isArray(reply) || reply.length !== 3) throw new Error('Unexpected script reply');
  return { position, fields: pairsToObject(asStrings(reply[2])) };
}

/** The `{ replaced message id, its turn }` reply of the begin script, or undefined for a nil reply. */
export function decodeInFlightStart(reply: unknown): InFlightStart | undefined {
  if (reply === null) return undefined;
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error('Unexpected script reply');
  const [messageId, turn]: unknown[] = reply;
  if (typeof messageId !== 'string' || typeof turn !== 'string') throw new Error('Unexpected script reply: replaced in-flight message');
  return messageId === '' ? {} : { replaced: { messageId, turn: Number(turn) } };
}

/** The `{ HGETALL, GET }` reply of the in-flight read. */
export function decodeInFlightReply(reply: unknown): InFlightRecord | undefined {
  if (!Array.isArray(reply)) throw new Error('Unexpected script reply');
  const [hash, text]: unknown[] = reply;
  const fields = pairsToObject(asStrings(hash));
  if (Object.keys(fields).length === 0) return undefined;
  return decodeInFlight(fields, typeof text === 'string' ? text : '');
}

/** The member, score… reply of the list script, or undefined when the member to continue after is gone. */
export function decodeScoredMembers(reply: unknown): { member: string; score: string }[] | undefined {
  if (reply === null) return undefined;
  const values = asStrings(reply);
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

function asStrings(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error('Unexpected script reply: expected an array');
  return value.map((item: unknown) => {
    if (typeof item !== 'string') throw new Error('Unexpected script reply: expected strings');
    return item;
  });
}

function requireField(fields: HashFields, field: string): string {
  const value = fields[field];
  if (value === undefined) throw new Error(`Stored hash lacks the field "${field}"`);
  return value;
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

function decodeStatus(value: string): DiscussionStatus {
  const status = DISCUSSION_STATUSES.find((candidate) => candidate === value);
  if (status === undefined) throw new Error(`Stored status is unknown: ${value}`);
  return status;
}

function decodeProvider(value: string): ProviderName {
  const provider = PROVIDERS.find((candidate) => candidate === value);
  if (provider === undefined) throw new Error(`Stored provider is unknown: ${value}`);
  return provider;
}
