// Pure helpers shared by the store implementations, so both shape records,
// sum usage and order discussions the same way. The schemas that check a record
// coming back from outside the process are in record-schemas.ts, re-exported here.

import type { DiscussionStatus, ProviderName, Usage } from '../domain.js';
import { PROVIDERS } from '../domain.js';
import { isCursor } from './types.js';
import type {
  DiscussionConfig,
  DiscussionRecord,
  DiscussionState,
  InFlightRecord,
  StatePatch,
  StatusChange,
  ToolCallRecord,
} from './types.js';

export const USAGE_COUNTS = ['inputTokens', 'outputTokens'] as const;
export type UsageCount = (typeof USAGE_COUNTS)[number];

/** The optional state fields: what a transition may patch, and what a record carries only when set. */
export const STATE_PATCH_FIELDS = [
  'stopReason',
  'error',
  'startedAt',
  'finishedAt',
  'nextSpeaker',
] as const satisfies readonly (keyof StatePatch)[];

/** A copy through JSON: what a store hands out can never alias what it keeps, and undefined properties vanish as they do in Redis. */
export function cloneJson<T>(value: T): T {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a JSON round trip of a JSON-shaped T is a T; a generic T has no schema to check it with
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The configuration part of a record, without any extra property a caller may have attached. */
export function pickConfig(record: DiscussionConfig): DiscussionConfig {
  const config: DiscussionConfig = {
    topic: record.topic,
    protocol: record.protocol,
    maxRounds: record.maxRounds,
    agents: record.agents,
    humans: record.humans,
    termination: record.termination,
  };
  if (record.selector !== undefined) config.selector = record.selector;
  if (record.webhookUrl !== undefined) config.webhookUrl = record.webhookUrl;
  if (record.forkedFrom !== undefined) config.forkedFrom = record.forkedFrom;
  if (record.recordCalls === true) config.recordCalls = true;
  if (record.replayOf !== undefined) config.replayOf = record.replayOf;
  return cloneJson(config);
}

/** Keeps only the counts that were reported. */
export function pickUsage(usage: Usage | undefined): Usage {
  const picked: Usage = {};
  for (const count of USAGE_COUNTS) {
    const value = usage?.[count];
    if (value !== undefined) picked[count] = value;
  }
  return picked;
}

export const hasAnyCount = (usage: Usage): boolean => USAGE_COUNTS.some((count) => usage[count] !== undefined);

/** The `selectorUsage` key of the model that made a pick: `PROVIDER/model`. */
export const selectorUsageKey = (provider: ProviderName, model: string): string => `${provider}/${model}`;

/** The provider and model of a `selectorUsage` key; undefined when it is not one (the provider has no `/`, a model may). */
export function parseSelectorUsageKey(key: string): { provider: ProviderName; model: string } | undefined {
  const slash = key.indexOf('/');
  const provider = PROVIDERS.find((name) => name === key.slice(0, slash));
  return slash > 0 && provider !== undefined ? { provider, model: key.slice(slash + 1) } : undefined;
}

/** Only the entries with a reported count: what both stores keep (Redis cannot hold an empty entry). */
function pickUsageEntries(entries: Record<string, Usage>): Record<string, Usage> {
  const picked: Record<string, Usage> = {};
  for (const [name, usage] of Object.entries(entries)) {
    const counts = pickUsage(usage);
    if (hasAnyCount(counts)) picked[name] = counts;
  }
  return picked;
}

/** Applies a transition's patch: a value sets the field, null removes it, undefined leaves it. */
export function applyStatePatch(state: DiscussionState, patch: StatePatch | undefined): void {
  // Generic per field, so each value keeps its own field's type (stopReason is a closed set).
  const applyField = <Field extends (typeof STATE_PATCH_FIELDS)[number]>(field: Field): void => {
    const value = patch?.[field];
    if (value === null) delete state[field];
    else if (value !== undefined) state[field] = value;
  };
  for (const field of STATE_PATCH_FIELDS) applyField(field);
}

/**
 * The record as a store keeps it: known fields only, and an agent appears in
 * `agentUsage` only once one of its counts has been reported (Redis cannot
 * hold an empty entry, so the memory store does not either).
 */
export function normalizeRecord(record: DiscussionRecord): DiscussionRecord {
  const agentUsage = pickUsageEntries(record.agentUsage);
  const selectorUsage = pickUsageEntries(record.selectorUsage ?? {});
  const normalized: DiscussionRecord = {
    ...pickConfig(record),
    id: record.id,
    owner: record.owner,
    createdAt: record.createdAt,
    status: record.status,
    turn: record.turn,
    currentRound: record.currentRound,
    messageCount: record.messageCount,
    usage: pickUsage(record.usage),
    agentUsage,
    consecutiveFailures: record.consecutiveFailures,
  };
  if (Object.keys(selectorUsage).length > 0) normalized.selectorUsage = selectorUsage;
  // The optional state fields the record has set, as a patch that sets them.
  applyStatePatch(normalized, record);
  return normalized;
}

/** An in-flight message's fields with `toolCalls` only when there are some: both stores leave an empty list out, as Redis must. */
export const withToolCalls = <Fields extends object>(
  fields: Fields,
  toolCalls: ToolCallRecord[] | undefined,
): Fields & Pick<InFlightRecord, 'toolCalls'> => (toolCalls === undefined || toolCalls.length === 0 ? fields : { ...fields, toolCalls });

/** Milliseconds of `createdAt`, the sort key of the per-owner index. */
export function creationTime(record: Pick<DiscussionRecord, 'id' | 'createdAt'>): number {
  const time = Date.parse(record.createdAt);
  if (Number.isNaN(time)) throw new RangeError(`Discussion ${record.id} has an invalid createdAt: ${record.createdAt}`);
  return time;
}

/** Token counts are summed with HINCRBY in Redis, so they must be non-negative integers everywhere. */
export function assertTokenCounts(usage: Usage | undefined): void {
  for (const count of USAGE_COUNTS) {
    const value = usage?.[count];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(`usage.${count} must be a non-negative integer, got ${value}`);
    }
  }
}

export function assertCursor(cursor: string | undefined, name: string): void {
  if (cursor !== undefined && !isCursor(cursor)) throw new RangeError(`${name} is not a log cursor: ${cursor}`);
}

/** The status entry a transition logs: the new status and the reasons the patch set (not those it removed). */
export function buildStatusChange(to: DiscussionStatus, patch: StatePatch | undefined, at: string): StatusChange {
  const change: StatusChange = { status: to, at };
  if (typeof patch?.stopReason === 'string') change.stopReason = patch.stopReason;
  if (typeof patch?.error === 'string') change.error = patch.error;
  return change;
}

/** Byte order, as Redis orders members with equal scores. */
export const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The listing order: newest first, ties broken by id descending (as ZREVRANGE does). */
export function compareNewestFirst(a: Pick<DiscussionRecord, 'id' | 'createdAt'>, b: Pick<DiscussionRecord, 'id' | 'createdAt'>): number {
  return creationTime(b) - creationTime(a) || compareBytes(b.id, a.id);
}

/** Where every discussion starts: created, no turn taken, nothing spent. */
export const initialState = (): DiscussionState => ({
  status: 'CREATED',
  turn: 0,
  currentRound: 0,
  messageCount: 0,
  usage: {},
  agentUsage: {},
  consecutiveFailures: 0,
});

export * from './record-schemas.js';
