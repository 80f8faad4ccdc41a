// The in-process store for memory mode and tests. Every method reads and
// writes without an await in between, so each one is atomic on the event
// loop; everything goes in and out as a copy, so callers cannot reach the
// stored state.

import { addUsage, isActive, isTerminal } from '../domain.js';
import {
  applyStatePatch,
  assertCursor,
  assertTokenCounts,
  buildStatusChange,
  cloneJson,
  compareNewestFirst,
  creationTime,
  hasAnyCount,
  normalizeRecord,
  pickUsage,
  selectorUsageKey,
  withToolCalls,
} from './records.js';
import { createExpirySchedule, fillStatusCounts } from './retention.js';
import { firstIndexAfter } from './memory-log-search.js';
import type { DiscussionRecord, DiscussionStore, InFlightRecord, LogEntry } from './types.js';
import type { ProviderCallRecording } from './provider-call-records.js';

interface StoredDiscussion {
  record: DiscussionRecord;
  log: LogEntry[];
  inFlight?: InFlightRecord;
  /** RECORD_PROVIDER_CALLS: its provider calls, oldest first. */
  calls: ProviderCallRecording[];
  /** The last cursor handed out, so the next one is strictly greater even when the clock stands still or goes back. */
  lastTime: number;
  lastSequence: number;
}

type MessageEntry = Extract<LogEntry, { type: 'message' }>;
type SelectionEntry = Extract<LogEntry, { type: 'speaker_selected' }>;
type ToolCallEntry = Extract<LogEntry, { type: 'tool_call' }>;

/**
 * Runs `operation` at once and hands back its outcome as an async method would
 * (a throw becomes a rejection). The store has nothing to await, so each
 * operation stays atomic on the event loop.
 */
const atOnce = <T>(operation: () => T): Promise<T> => new Promise((resolve) => resolve(operation()));

/** With `retentionMs` (RETENTION_DAYS), a discussion that ends is dropped that long after; `close()` stops the sweep. */
export function createMemoryStore({ retentionMs }: { retentionMs?: number } = {}): DiscussionStore {
  const discussions = new Map<string, StoredDiscussion>();
  const idsByOwner = new Map<string, Set<string>>();
  const runningByOwner = new Map<string, Set<string>>();
  const expiry = createExpirySchedule({ retentionMs, expire: (id) => remove(id) });

  const remove = (id: string): boolean => {
    const stored = discussions.get(id);
    if (stored === undefined) return false;
    discussions.delete(id);
    expiry.forget(id);
    const ownerIds = idsByOwner.get(stored.record.owner);
    ownerIds?.delete(id);
    if (ownerIds?.size === 0) idsByOwner.delete(stored.record.owner);
    return true;
  };

  // Like a Redis stream id: milliseconds, then a sequence within the millisecond.
  const nextCursor = (stored: StoredDiscussion): string => {
    const now = Date.now();
    if (now > stored.lastTime) {
      stored.lastTime = now;
      stored.lastSequence = 0;
    } else {
      stored.lastSequence += 1;
    }
    return `${stored.lastTime}-${stored.lastSequence}`;
  };

  /** Appends an entry to the log; returns a copy that names the entry before it. */
  const appendToLog = <Entry extends LogEntry>(stored: StoredDiscussion, entry: Entry): Entry => {
    const previousCursor = stored.log.at(-1)?.cursor;
    stored.log.push(entry);
    return { ...cloneJson(entry), ...(previousCursor === undefined ? {} : { previousCursor }) };
  };

  return {
    create: (record) =>
      atOnce(() => {
        creationTime(record);
        if (discussions.has(record.id)) throw new Error(`Discussion ${record.id} already exists`);
        discussions.set(record.id, { record: normalizeRecord(record), log: [], calls: [], lastTime: 0, lastSequence: -1 });
        let ownerIds = idsByOwner.get(record.owner);
        if (ownerIds === undefined) {
          ownerIds = new Set();
          idsByOwner.set(record.owner, ownerIds);
        }
        ownerIds.add(record.id);
      }),

    get: (id) =>
      atOnce(() => {
        const stored = discussions.get(id);
        return stored === undefined ? undefined : cloneJson(stored.record);
      }),

    access: (id) =>
      atOnce(() => {
        const stored = discussions.get(id);
        return stored === undefined ? undefined : { owner: stored.record.owner, status: stored.record.status };
      }),

    list: (owner, options) =>
      atOnce(() => {
        const { first, after, status } = options;
        const records: DiscussionRecord[] = [];
        for (const id of owner === undefined ? discussions.keys() : (idsByOwner.get(owner) ?? [])) {
          const stored = discussions.get(id);
          if (stored !== undefined) records.push(stored.record);
        }
        records.sort(compareNewestFirst);
        let start = 0;
        if (after !== undefined) {
          const afterIndex = records.findIndex((record) => record.id === after);
          // The previous page's last discussion is gone: there is no position to continue from.
          if (afterIndex === -1) return { items: [], hasMore: false };
          start = afterIndex + 1;
        }
        const matching = records.slice(start).filter((record) => status === undefined || record.status === status);
        const count = Math.max(0, first);
        return { items: matching.slice(0, count).map((record) => cloneJson(record)), hasMore: matching.length > count };
      }),

    admitRunning: (owner, id, max) =>
      atOnce(() => {
        const running = runningByOwner.get(owner) ?? new Set<string>();
        runningByOwner.set(owner, running);
        for (const member of running) {
          const stored = discussions.get(member);
          if (stored === undefined || isTerminal(stored.record.status)) running.delete(member);
        }
        if (running.has(id)) return true;
        if (running.size >= max) return false;
        running.add(id);
        return true;
      }),

    listActive: () =>
      atOnce(() => [...discussions.values()].filter(({ record }) => isActive(record.status)).map(({ record }) => record.id)),

    countByStatus: () =>
      atOnce(() => {
        const counts = fillStatusCounts();
        for (const { record } of discussions.values()) counts[record.status] += 1;
        return counts;
      }),

    delete: (id) => atOnce(() => remove(id)),

    transition: (id, change) =>
      atOnce(() => {
        const { from, to, patch, whenIdle } = change;
        const stored = discussions.get(id);
        if (stored === undefined || !from.includes(stored.record.status)) return undefined;
        if (whenIdle && stored.inFlight !== undefined) return undefined;
        const { record } = stored;
        record.status = to;
        applyStatePatch(record, patch);
        expiry.statusChanged(id, to);
        const entry: Extract<LogEntry, { type: 'status' }> = {
          type: 'status',
          cursor: nextCursor(stored),
          change: buildStatusChange(to, patch, new Date().toISOString()),
        };
        return { entry: appendToLog(stored, entry), record: cloneJson(record) };
      }),

    appendMessage: (id, message, commit) =>
      atOnce(() => {
        assertTokenCounts(message.usage);
        const stored = discussions.get(id);
        if (stored === undefined) return undefined;
        const { record } = stored;
        if (commit !== undefined && (record.turn !== commit.fenceTurn || isTerminal(record.status))) return undefined;
        if (commit?.inFlightMessageId !== undefined && stored.inFlight?.messageId !== commit.inFlightMessageId) return undefined;
        const entry = appendToLog<MessageEntry>(stored, { type: 'message', cursor: nextCursor(stored), message: cloneJson(message) });
        record.messageCount += 1;
        addUsage(record.usage, message.usage);
        // Like Redis, an agent appears in `agentUsage` only once one of its counts is reported.
        if (hasAnyCount(pickUsage(message.usage))) addUsage((record.agentUsage[message.author] ??= {}), message.usage);
        if (commit !== undefined) {
          record.turn = commit.fenceTurn + 1;
          record.currentRound = commit.round;
          record.consecutiveFailures = commit.consecutiveFailures;
          delete record.nextSpeaker;
          delete stored.inFlight;
        }
        return { entry, record: cloneJson(record) };
      }),

    appendSelection: (id, selection) =>
      atOnce(() => {
        assertTokenCounts(selection.usage);
        const stored = discussions.get(id);
        if (stored === undefined || isTerminal(stored.record.status)) return undefined;
        const { record } = stored;
        const entry = appendToLog<SelectionEntry>(stored, {
          type: 'speaker_selected',
          cursor: nextCursor(stored),
          selection: cloneJson(selection),
        });
        record.nextSpeaker = selection.speaker;
        // The selector is no agent of the discussion: its cost counts in the totals, and per model that picked.
        addUsage(record.usage, selection.usage);
        if (selection.provider !== undefined && selection.model !== undefined && hasAnyCount(pickUsage(selection.usage))) {
          addUsage(((record.selectorUsage ??= {})[selectorUsageKey(selection.provider, selection.model)] ??= {}), selection.usage);
        }
        return entry;
      }),

    appendToolCall: (id, call) =>
      atOnce(() => {
        const stored = discussions.get(id);
        const inFlight = stored?.inFlight;
        if (stored === undefined || isTerminal(stored.record.status) || inFlight?.messageId !== call.messageId) return undefined;
        const toolCall = cloneJson(call);
        (inFlight.toolCalls ??= []).push(cloneJson(call));
        return appendToLog<ToolCallEntry>(stored, { type: 'tool_call', cursor: nextCursor(stored), toolCall });
      }),

    readLog: (id, range) =>
      atOnce(() => {
        const { after, limit } = range;
        assertCursor(after, 'after');
        const stored = discussions.get(id);
        if (stored === undefined || limit <= 0) return [];
        const start = after === undefined ? 0 : firstIndexAfter(stored.log, after);
        return stored.log.slice(start, start + limit).map((entry) => cloneJson(entry));
      }),

    lastCursor: (id) => atOnce(() => discussions.get(id)?.log.at(-1)?.cursor),

    readMessages: (id, range) =>
      atOnce(() => {
        const { after, before, limit, direction } = range;
        assertCursor(after, 'after');
        assertCursor(before, 'before');
        const stored = discussions.get(id);
        if (stored === undefined) return { items: [], hasMore: false };
        const start = after === undefined ? 0 : firstIndexAfter(stored.log, after);
        const end = before === undefined ? stored.log.length : firstIndexAfter(stored.log, before, true);
        const messages = stored.log.slice(start, end).filter((entry): entry is MessageEntry => entry.type === 'message');
        const count = Math.max(0, limit);
        const page = direction === 'forward' ? messages.slice(0, count) : messages.slice(Math.max(0, messages.length - count));
        return {
          items: page.map((entry) => ({ cursor: entry.cursor, message: cloneJson(entry.message) })),
          hasMore: messages.length > count,
        };
      }),

    beginInFlight: (id, inFlight) =>
      atOnce(() => {
        const stored = discussions.get(id);
        if (stored === undefined || stored.record.turn !== inFlight.turn || isTerminal(stored.record.status)) return undefined;
        const replaced = stored.inFlight;
        const { toolCalls, ...fields } = cloneJson(inFlight);
        // an attempt that replaces one of the same turn keeps its calls, so a third attempt can reuse them too
        const inherited = replaced?.turn === inFlight.turn ? (replaced.toolCalls ?? []) : [];
        stored.inFlight = withToolCalls({ ...fields, text: '' }, [...inherited, ...(toolCalls ?? [])]);
        return replaced === undefined
          ? {}
          : { replaced: withToolCalls({ messageId: replaced.messageId, turn: replaced.turn }, replaced.toolCalls) };
      }),

    appendInFlight: (id, delta, messageId) =>
      atOnce(() => {
        const inFlight = discussions.get(id)?.inFlight;
        if (inFlight?.messageId !== messageId) return false;
        inFlight.text += delta;
        return true;
      }),
    appendProviderCall: (id, recording) => atOnce(() => void discussions.get(id)?.calls.push(cloneJson(recording))),
    readProviderCalls: (id) => atOnce(() => cloneJson(discussions.get(id)?.calls ?? [])),

    getInFlight: (id) =>
      atOnce(() => {
        const inFlight = discussions.get(id)?.inFlight;
        return inFlight === undefined ? undefined : cloneJson(inFlight);
      }),

    clearInFlight: (id, messageId) =>
      atOnce(() => {
        const stored = discussions.get(id);
        if (stored?.inFlight?.messageId !== messageId) return false;
        delete stored.inFlight;
        return true;
      }),

    // The data lives and dies with the process: only the sweep to stop.
    close: () => expiry.stop(),
  };
}
