import type { DiscussionStatus, FinishReason, MessageRole, Protocol, ProviderName, Stance, StopReason, Usage } from '../domain.js';

// What a discussion and its log are made of: the records every store keeps. The store's
// contract (types.ts) re-exports them, so callers import from one place.

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
  /** A REPLAY agent's provider in the recorded discussion, named where that one named it (a failed turn's note). */
  recordedProvider?: ProviderName;
}

export interface HumanConfig {
  name: string;
  speaksInTurn: boolean;
  waitSeconds: number;
}

export interface TerminationConfig {
  maxMessages?: number;
  maxTotalTokens?: number;
  /** A hard cap in USD: each call's worst case is reserved before it starts (src/engine/cost-budget.ts). */
  maxCostUsd?: number;
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
  /** The discussion and message this one was forked from (`forkDiscussion`): its transcript begins with copies up to that cursor. */
  forkedFrom?: ForkPoint;
  /** Its provider calls are recorded (RECORD_PROVIDER_CALLS was on when it was created), so it can be replayed. */
  recordCalls?: boolean;
  /** The recorded discussion this one replays (`replayDiscussion`): its agents use the REPLAY provider. */
  replayOf?: ReplaySource;
}

export interface ReplaySource {
  discussionId: string;
  /** Times the recorded pace; 0: as fast as possible. */
  speed: number;
}

export interface ForkPoint {
  discussionId: string;
  /** The source's log cursor of the last message copied. */
  cursor: string;
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
