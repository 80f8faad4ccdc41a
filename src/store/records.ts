// Pure helpers shared by the store implementations, so both shape records,
// sum usage and order discussions the same way.

import type { DiscussionStatus, Usage } from '../domain.js';
import { isCursor } from './types.js';
import type { DiscussionConfig, DiscussionRecord, DiscussionState, StatePatch, StatusChange } from './types.js';

export const USAGE_COUNTS = ['inputTokens', 'outputTokens'] as const;
export type UsageCount = (typeof USAGE_COUNTS)[number];

/** The optional state fields: what a transition may patch, and what a record carries only when set. */
export const STATE_PATCH_FIELDS = ['stopReason', 'error', 'startedAt', 'finishedAt', 'nextSpeaker'] as const satisfies readonly (keyof StatePatch)[];

/** A copy through JSON: what a store hands out can never alias what it keeps, and undefined properties vanish as they do in Redis. */
export function cloneJson<T>(value: T): T {
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

/** Adds the reported counts of `usage` to `total`; a count never reported stays undefined. */
/** Applies a transition's patch: a string sets the field, null removes it, undefined leaves it. */
export function applyStatePatch(state: DiscussionState, patch: StatePatch | undefined): void {
  for (const field of STATE_PATCH_FIELDS) {
    const value = patch?.[field];
    if (value === null) delete state[field];
    else if (value !== undefined) state[field] = value;
  }
}

/**
 * The record as a store keeps it: known fields only, and an agent appears in
 * `agentUsage` only once one of its counts has been reported (Redis cannot
 * hold an empty entry, so the memory store does not either).
 */
export function normalizeRecord(record: DiscussionRecord): DiscussionRecord {
  const agentUsage: Record<string, Usage> = {};
  for (const [name, usage] of Object.entries(record.agentUsage)) {
    const picked = pickUsage(usage);
    if (hasAnyCount(picked)) agentUsage[name] = picked;
  }
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
  for (const field of STATE_PATCH_FIELDS) {
    const value = record[field];
    if (value !== undefined) normalized[field] = value;
  }
  return normalized;
}

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
export function compareNewestFirst(
  a: Pick<DiscussionRecord, 'id' | 'createdAt'>,
  b: Pick<DiscussionRecord, 'id' | 'createdAt'>,
): number {
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
