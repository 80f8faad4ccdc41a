import type { DiscussionStatus, FinishReason, MessageRole, Protocol, ProviderName, Stance, StopReason, Usage } from '../domain.js';

export interface AgentConfig {
  name: string;
  /** The template name or free-text role the caller gave, for display. */
  persona?: string;
  /** The resolved system prompt: the caller's, else the template's, else one built from the persona. */
  systemPrompt: string;
  provider: ProviderName;
  model: string;
  temperature?: number;
  maxTokens?: number;
  /** The context window the transcript must fit; a default per provider when unset. */
  maxContextTokens?: number;
  stance: Stance;
  /** MCP servers (`search`) or single tools (`search/web_search`) the agent may call; absent: none. */
  tools?: string[];
}

export interface HumanConfig {
  name: string;
  speaksInTurn: boolean;
  waitSeconds: number;
}

export interface TerminationConfig {
  maxMessages?: number;
  maxTotalTokens?: number;
  stopPhrases: string[];
}

export interface SelectorConfig {
  provider: ProviderName;
  model: string;
}

/** What a discussion is, fixed at creation. */
export interface DiscussionConfig {
  topic: string;
  protocol: Protocol;
  maxRounds: number;
  agents: AgentConfig[];
  humans: HumanConfig[];
  termination: TerminationConfig;
  selector?: SelectorConfig;
  /** Where the discussion's final status is POSTed (src/webhooks). */
  webhookUrl?: string;
}

/** Where a discussion is: changed by transitions and by message commits. */
export interface DiscussionState {
  status: DiscussionStatus;
  /** The number of turns taken so far; the next turn to run has this number. */
  turn: number;
  currentRound: number;
  messageCount: number;
  /** Summed over every message that reported usage; a count never reported stays undefined. */
  usage: Usage;
  /** Per agent name, the same sums. */
  agentUsage: Record<string, Usage>;
  /**
   * The picks' sums per `PROVIDER/model` that made them (see `selectorUsageKey`), so a cost can
   * be priced without reading the log. Absent until a pick with a known model reports a count.
   */
  selectorUsage?: Record<string, Usage>;
  /** Failed turns in a row; a successful agent turn resets it. */
  consecutiveFailures: number;
  stopReason?: StopReason;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Who speaks next, when known: the picked speaker, or the human being waited for. Cleared by each turn's commit. */
  nextSpeaker?: string;
}

export interface DiscussionRecord extends DiscussionConfig, DiscussionState {
  id: string;
  owner: string;
  createdAt: string;
}

export interface MessageRecord {
  id: string;
  discussionId: string;
  author: string;
  role: MessageRole;
  provider?: ProviderName;
  model?: string;
  content: string;
  round: number;
  turn: number;
  createdAt: string;
  usage?: Usage;
  finishReason?: FinishReason;
  timeToFirstTokenMs?: number;
  durationMs?: number;
  /** The tool calls the agent made during the turn, in order (absent: none). */
  toolCalls?: ToolCallRecord[];
  /** The only participants whose contexts hold this message, as configured (absent: everyone's). */
  visibleTo?: string[];
}

/** One tool call made during an agent's turn (MCP, see src/tools). */
export interface ToolCallRecord {
  /** The vendor's call id, unique within the message. */
  id: string;
  /** The message (turn attempt) that made the call: the in-flight message id, later the committed one. */
  messageId: string;
  /** `server/tool`, the MCP names. */
  tool: string;
  /** The arguments as JSON text, size-capped. */
  arguments: string;
  /** What the model was given back: the output, or what went wrong; size-capped. */
  result: string;
  isError: boolean;
  durationMs: number;
  /** Which model call of the turn asked for it: 1 for the first. */
  step: number;
  at: string;
  /** The result was taken from an earlier attempt of the same turn (its process died) instead of calling the tool again. */
  reused?: boolean;
}

/** A pick of the next speaker by the OPEN selector or the moderator. */
export interface SpeakerSelection {
  speaker: string;
  reason: string;
  candidates: string[];
  /** Answers asked of the selector: 1, or 2 after a correction. */
  attempts: number;
  /** No usable answer: turn order decided. */
  fellBack: boolean;
  at: string;
  /** What the selector's calls cost; added to the discussion's usage. */
  usage?: Usage;
  /** Who made the pick (the OPEN selector or the moderator's model), for pricing its usage. */
  provider?: ProviderName;
  model?: string;
}

export interface StatusChange {
  status: DiscussionStatus;
  stopReason?: StopReason;
  error?: string;
  at: string;
}

/** Where an entry sits in its discussion's log. */
interface LogPosition {
  /** The log entry id: ordered, unique, opaque to clients. */
  cursor: string;
  /**
   * Set on the entry a write returns: the cursor of the entry just before it
   * (absent when it is the first). Events from several processes may reach a
   * subscriber out of order; this tells it that it missed one. Entries read
   * back from the log do not carry it.
   */
  previousCursor?: string;
}

/** A persisted event of a discussion's log. */
export type LogEntry =
  | (LogPosition & { type: 'message'; message: MessageRecord })
  | (LogPosition & { type: 'status'; change: StatusChange })
  | (LogPosition & { type: 'speaker_selected'; selection: SpeakerSelection })
  | (LogPosition & { type: 'tool_call'; toolCall: ToolCallRecord });

/** The message being streamed now: who speaks and the text so far. */
export interface InFlightRecord {
  messageId: string;
  author: string;
  provider?: ProviderName;
  model?: string;
  round: number;
  turn: number;
  startedAt: string;
  text: string;
  /**
   * The calls this turn's attempts completed so far, in order: an attempt that replaces one of
   * the same turn starts with its list, reuses those instead of calling again (its copies are
   * marked `reused`), and adds its own.
   */
  toolCalls?: ToolCallRecord[];
}

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
