import type { DiscussionStatus } from '../domain.js';
import type { ProviderCallRecording } from './provider-call-records.js';
import type {
  DiscussionRecord,
  DiscussionState,
  InFlightRecord,
  LogEntry,
  MessageRecord,
  SpeakerSelection,
  ToolCallRecord,
} from './record-types.js';

export type {
  AgentConfig,
  HumanConfig,
  TerminationConfig,
  SelectorConfig,
  DiscussionConfig,
  ForkPoint,
  ReplaySource,
  DiscussionState,
  DiscussionRecord,
  MessageRecord,
  ToolCallRecord,
  SpeakerSelection,
  StatusChange,
  LogEntry,
  InFlightRecord,
} from './record-types.js';

/** Fields a transition may set besides the status; undefined leaves a field as it is, null removes it. */
export type StatePatch = {
  [Field in 'stopReason' | 'error' | 'startedAt' | 'finishedAt' | 'nextSpeaker']?: DiscussionState[Field] | null;
};

/** A compare-and-set of a discussion's status (see `DiscussionStore.transition`). */
export interface StatusTransition {
  from: readonly DiscussionStatus[];
  to: DiscussionStatus;
  patch?: StatePatch;
  /** Change only while no message is in flight. */
  whenIdle?: boolean;
}

export interface TurnCommit {
  /** The commit only lands when the discussion's `turn` still equals this; then `turn` becomes fenceTurn + 1. */
  fenceTurn: number;
  /** The round the committed turn belongs to; becomes `currentRound`. */
  round: number;
  /** 0 after a successful agent turn, previous + 1 after a failed one. */
  consecutiveFailures: number;
  /**
   * The commit only lands while this message is the turn's in-flight one: an attempt
   * that another worker took over (and told subscribers to discard) never commits.
   */
  inFlightMessageId?: string;
}

/** Which message a begun in-flight message replaced. */
export type InFlightStart = { replaced?: Pick<InFlightRecord, 'messageId' | 'turn' | 'toolCalls'> };

export type Committed = { entry: Extract<LogEntry, { type: 'message' }>; record: DiscussionRecord };

export interface Page<T> {
  items: T[];
  /** More items exist beyond this page in the direction of reading. */
  hasMore: boolean;
}

/** Who may see a discussion and where it is: what a subscription checks, without the whole record. */
export interface DiscussionAccess {
  owner: string;
  status: DiscussionStatus;
}

export interface DiscussionStore {
  create(record: DiscussionRecord): Promise<void>;
  get(id: string): Promise<DiscussionRecord | undefined>;
  /**
   * The discussion's owner and status, undefined when it does not exist: cheaper than
   * `get` (no config or usage to read and parse), for checks repeated per subscriber.
   */
  access(id: string): Promise<DiscussionAccess | undefined>;
  /** Newest first; `after` is the id of the last discussion of the previous page. `owner` undefined: every owner's. */
  list(owner: string | undefined, options: { first: number; after?: string; status?: DiscussionStatus }): Promise<Page<DiscussionRecord>>;
  /**
   * Counts the discussion among its owner's running ones (begun or about to begin, not
   * ended) unless the owner already has `max` others, atomically across processes.
   * True when it is counted (or already was). Ended and deleted discussions stop counting.
   */
  admitRunning(owner: string, id: string, max: number): Promise<boolean>;
  /** Ids of the discussions that have begun and not ended (RUNNING, PAUSED, WAITING_FOR_HUMAN), for recovery after a crash. */
  listActive(): Promise<string[]>;
  /**
   * How many discussions exist in each status, every status present (0 when none), as
   * every process sharing the storage sees it: the `orchestrator_discussions` gauge.
   * Redis keeps the counts as it writes (no scan); an expired discussion stops counting
   * once the retention sweep has removed it.
   */
  countByStatus(): Promise<Record<DiscussionStatus, number>>;
  /** Removes every key of the discussion; false when it did not exist. */
  delete(id: string): Promise<boolean>;

  /**
   * Compare-and-set of the status: when the current status is one of `from`, sets `to`
   * and the patch and appends a status entry to the log, all at once. Returns undefined
   * (and changes nothing) when the discussion is missing or its status is not in `from`,
   * or, with `whenIdle`, while a message is in flight.
   *
   * Retention: in a store made with `retentionMs` (RETENTION_DAYS), a transition to an
   * ended status (COMPLETED, STOPPED, FAILED) makes the discussion expire that long
   * after: every key, its index entries and its count. A transition to any other status
   * keeps it for ever again.
   */
  transition(
    id: string,
    change: StatusTransition,
  ): Promise<{ entry: Extract<LogEntry, { type: 'status' }>; record: DiscussionRecord } | undefined>;

  /**
   * Appends a message to the log and adds its usage, atomically. Without `commit` it is an
   * injected message: the turn does not move. With `commit` it ends a turn: fenced by the
   * turn number and by the discussion not having ended (undefined when the fence fails:
   * nothing is written), advances the turn, sets the round and the failure count, and
   * clears the in-flight message and `nextSpeaker`. Undefined too when the discussion does not exist.
   */
  appendMessage(id: string, message: MessageRecord, commit?: TurnCommit): Promise<Committed | undefined>;

  /**
   * Appends a speaker selection to the log, sets `nextSpeaker` to its speaker and adds
   * its usage to the discussion's (not to any agent's) and, when it names its provider
   * and model, to that model's `selectorUsage`, atomically. Undefined (nothing
   * written) when the discussion does not exist or has ended.
   */
  appendSelection(id: string, selection: SpeakerSelection): Promise<Extract<LogEntry, { type: 'speaker_selected' }> | undefined>;

  /**
   * Appends a completed tool call to the log and to the in-flight message's `toolCalls`,
   * atomically, while `call.messageId` is the in-flight message. Undefined (nothing
   * written) once it is not (the turn committed, was taken over or the discussion ended).
   */
  appendToolCall(id: string, call: ToolCallRecord): Promise<Extract<LogEntry, { type: 'tool_call' }> | undefined>;

  /** Log entries strictly after `after` (from the start when undefined), oldest first, at most `limit`. */
  readLog(id: string, options: { after?: string; limit: number }): Promise<LogEntry[]>;
  /** The cursor of the log's newest entry; undefined when the log is empty or the discussion missing. */
  lastCursor(id: string): Promise<string | undefined>;

  /**
   * Messages only, for connections. `forward`: oldest first, strictly after `after` and
   * strictly before `before`. `backward`: the newest such messages, returned oldest first.
   */
  readMessages(
    id: string,
    options: { after?: string; before?: string; limit: number; direction: 'forward' | 'backward' },
  ): Promise<Page<{ cursor: string; message: MessageRecord }>>;

  /**
   * Starts the in-flight message of the discussion's current turn (text empty), replacing
   * any other, and tells which one it replaced, atomically. Undefined (nothing written)
   * when the discussion is missing, has ended, or its turn is no longer `inFlight.turn`.
   */
  beginInFlight(id: string, inFlight: Omit<InFlightRecord, 'text'>): Promise<InFlightStart | undefined>;
  /** Appends to the in-flight text while `messageId` is the in-flight message; false (nothing written) once it is not. */
  appendInFlight(id: string, delta: string, messageId: string): Promise<boolean>;
  getInFlight(id: string): Promise<InFlightRecord | undefined>;
  /** Removes the in-flight message if it is still `messageId`; true when it did. */
  clearInFlight(id: string, messageId: string): Promise<boolean>;

  /**
   * Keeps a provider call's recording (RECORD_PROVIDER_CALLS) with the discussion, while it
   * exists; it is deleted and expires with the discussion.
   */
  appendProviderCall(id: string, recording: ProviderCallRecording): Promise<void>;
  /** The discussion's recorded calls, oldest first; none when it has none or is gone. */
  readProviderCalls(id: string): Promise<ProviderCallRecording[]>;

  /** Stops the store's own background work (the retention sweep) and waits for it; never closes a connection it was given. */
  close(): Promise<void>;
}

/** Orders two cursors: negative when a is older than b. Cursors are `<milliseconds>-<sequence>`. */
export function compareCursors(a: string, b: string): number {
  const [aTime = 0, aSequence = 0] = a.split('-').map(Number);
  const [bTime = 0, bSequence = 0] = b.split('-').map(Number);
  return aTime - bTime || aSequence - bSequence;
}

const CURSOR_PATTERN = /^\d{1,16}-\d{1,16}$/;

/** Whether a client-supplied string has the shape of a log cursor. */
export const isCursor = (value: string): boolean => CURSOR_PATTERN.test(value);
