/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time as an ISO-8601 string in UTC, e.g. 2026-11-24T10:15:30.000Z. */
  DateTime: { input: string; output: string; }
};

export type Agent = Participant & {
  __typename?: 'Agent';
  maxContextTokens?: Maybe<Scalars['Int']['output']>;
  maxTokens?: Maybe<Scalars['Int']['output']>;
  model: Scalars['String']['output'];
  name: Scalars['String']['output'];
  persona?: Maybe<Scalars['String']['output']>;
  provider: Provider;
  stance: Stance;
  /** The persona part of the system prompt, as resolved at creation. */
  systemPrompt: Scalars['String']['output'];
  temperature?: Maybe<Scalars['Float']['output']>;
  /** The MCP servers or server/tool names it may call. */
  tools: Array<Scalars['String']['output']>;
  /** The sums over its messages, priced at its model. */
  usage: Usage;
};

export type AgentInput = {
  /** The context window the transcript must fit (1000 to 2000000); a default per provider. Longer transcripts keep the first message and the latest turns, with a note of what was left out. */
  maxContextTokens?: InputMaybe<Scalars['Int']['input']>;
  /** Upper bound of one reply, 1 to 32000. */
  maxTokens?: InputMaybe<Scalars['Int']['input']>;
  /** Defaults to the provider's default model. At most 200 characters. */
  model?: InputMaybe<Scalars['String']['input']>;
  /** Unique in the discussion. At most 64 characters. */
  name: Scalars['String']['input'];
  /** A persona template name (see `personaTemplates`), or free text describing the role. At most 2000 characters. */
  persona?: InputMaybe<Scalars['String']['input']>;
  provider: Provider;
  stance?: InputMaybe<Stance>;
  /** Overrides the persona's system prompt. At most 16000 characters. */
  systemPrompt?: InputMaybe<Scalars['String']['input']>;
  /** 0 to 2. */
  temperature?: InputMaybe<Scalars['Float']['input']>;
  /** MCP servers (`search`: all its tools) or single tools (`search/web_search`) the agent may call during its turns; see `mcpServers`. At most 32. */
  tools?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type CreateDiscussionInput = {
  /** 1 to 12 agents. */
  agents: Array<AgentInput>;
  /** At most 12 humans. */
  humans?: InputMaybe<Array<HumanInput>>;
  /** 1 to 50. */
  maxRounds?: InputMaybe<Scalars['Int']['input']>;
  protocol?: InputMaybe<Protocol>;
  /** OPEN: the provider and model that pick the next speaker. */
  selector?: InputMaybe<SelectorInput>;
  termination?: InputMaybe<TerminationInput>;
  /** At most 4000 characters. */
  topic: Scalars['String']['input'];
  /** An http(s) URL that gets the discussion's summary as JSON (signed when the server sets WEBHOOK_SECRET) once it is COMPLETED, STOPPED or FAILED, retried with backoff until it answers 2xx. No user name or password in it; loopback, private and link-local hosts are refused unless the server sets WEBHOOK_ALLOW_PRIVATE=true. At most 2000 characters. */
  webhookUrl?: InputMaybe<Scalars['String']['input']>;
};

export type Discussion = {
  __typename?: 'Discussion';
  createdAt: Scalars['DateTime']['output'];
  /** The round of the latest turn; 0 before the first. */
  currentRound: Scalars['Int']['output'];
  error?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The discussion and message this one was forked from; null for one created anew. */
  forkedFrom?: Maybe<ForkPoint>;
  /** The discussions forked from this one, newest first. */
  forks: Array<Discussion>;
  id: Scalars['ID']['output'];
  inFlight?: Maybe<InFlightMessage>;
  maxRounds: Scalars['Int']['output'];
  messageCount: Scalars['Int']['output'];
  /** The transcript, oldest first. `first`/`after` page forward; `last`/`before` page backward. Page size `first`/`last`: 0 to 500, 50 when omitted. */
  messages: MessageConnection;
  /** Who speaks next, when known: the speaker just picked, or the human the discussion waits for. */
  nextSpeaker?: Maybe<Scalars['String']['output']>;
  participants: Array<Participant>;
  protocol: Protocol;
  /** Whether its provider calls are recorded (RECORD_PROVIDER_CALLS was on when it was created), so that replayDiscussion can replay it. */
  recorded: Scalars['Boolean']['output'];
  /** The recorded discussion this one replays; null for one that is no replay. */
  replayOf?: Maybe<ReplaySource>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: DiscussionStatus;
  stopReason?: Maybe<Scalars['String']['output']>;
  termination: Termination;
  topic: Scalars['String']['output'];
  /** The whole transcript as Markdown, for a ticket or a wiki: a summary (status, protocol, participants, usage), then every message round by round under its speaker, role, provider, model and usage, its content quoted. */
  transcriptMarkdown: Scalars['String']['output'];
  /** How many turns have been taken. */
  turn: Scalars['Int']['output'];
  /** Every agent's and selector's tokens, summed; `costUsd` is the sum of their costs. */
  usage: Usage;
  /** Where the discussion POSTs its summary when it reaches a final status (see the API docs, Webhooks). */
  webhookUrl?: Maybe<Scalars['String']['output']>;
};


export type DiscussionMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type DiscussionConnection = {
  __typename?: 'DiscussionConnection';
  edges: Array<DiscussionEdge>;
  pageInfo: PageInfo;
};

export type DiscussionEdge = {
  __typename?: 'DiscussionEdge';
  cursor: Scalars['String']['output'];
  node: Discussion;
};

export type DiscussionEvent = MessageEvent | SpeakerSelectedEvent | StatusEvent | TokenEvent | ToolCallEvent | TurnRestartedEvent;

export type DiscussionStatus =
  | 'COMPLETED'
  | 'CREATED'
  | 'FAILED'
  | 'PAUSED'
  | 'RUNNING'
  | 'STOPPED'
  | 'WAITING_FOR_HUMAN';

/** What a fork changes from the point it is forked at; a field left out keeps the source's. */
export type ForkInput = {
  /** 1 to 12 agents, replacing the source's. */
  agents?: InputMaybe<Array<AgentInput>>;
  /** Replacing the source's. */
  humans?: InputMaybe<Array<HumanInput>>;
  /** 1 to 50, counted from the source's first round. */
  maxRounds?: InputMaybe<Scalars['Int']['input']>;
  /** Replacing the source's as a whole. */
  termination?: InputMaybe<TerminationInput>;
  topic?: InputMaybe<Scalars['String']['input']>;
};

export type ForkPoint = {
  __typename?: 'ForkPoint';
  /** The source's cursor of the last message copied. */
  cursor: Scalars['String']['output'];
  /** The source; null once it has been deleted (or expired). */
  discussion?: Maybe<Discussion>;
};

export type Human = Participant & {
  __typename?: 'Human';
  name: Scalars['String']['output'];
  speaksInTurn: Scalars['Boolean']['output'];
  waitSeconds: Scalars['Int']['output'];
};

export type HumanInput = {
  /** Unique in the discussion. At most 64 characters. */
  name: Scalars['String']['input'];
  speaksInTurn?: InputMaybe<Scalars['Boolean']['input']>;
  /** How long the discussion waits for this human's turn before skipping it, 1 to 3600 seconds. */
  waitSeconds?: InputMaybe<Scalars['Int']['input']>;
};

/** The message being streamed now. `text` is everything streamed so far: a reconnecting client starts from here. */
export type InFlightMessage = {
  __typename?: 'InFlightMessage';
  author: Scalars['String']['output'];
  messageId: Scalars['ID']['output'];
  model?: Maybe<Scalars['String']['output']>;
  provider?: Maybe<Provider>;
  round: Scalars['Int']['output'];
  startedAt: Scalars['DateTime']['output'];
  text: Scalars['String']['output'];
  turn: Scalars['Int']['output'];
};

export type InjectOptions = {
  /** Makes the message private: only these participants (agents or humans, at least one) have it in their context. The author is not added. Null or left out: everyone. */
  visibleTo?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** An MCP server from the MCP_SERVERS file; this process connects to it on first use and again after it dies. */
export type McpServer = {
  __typename?: 'McpServer';
  /** Why it is down. */
  error?: Maybe<Scalars['String']['output']>;
  /** What `AgentInput.tools` takes for all its tools. */
  name: Scalars['String']['output'];
  /** Its tools, as last listed. */
  tools: Array<McpTool>;
  /** `stdio` (a command this server runs) or `http` (streamable HTTP). */
  transport: Scalars['String']['output'];
  /** Connected now. */
  up: Scalars['Boolean']['output'];
};

export type McpTool = {
  __typename?: 'McpTool';
  description?: Maybe<Scalars['String']['output']>;
  /** The server says calling it twice does no more than once (MCP's idempotentHint). */
  idempotent: Scalars['Boolean']['output'];
  /** The JSON Schema of its arguments, as JSON text. */
  inputSchema: Scalars['String']['output'];
  /** The MCP name, unique on its server. */
  name: Scalars['String']['output'];
  /** The server says it changes nothing (MCP's readOnlyHint). */
  readOnly: Scalars['Boolean']['output'];
  /** What `AgentInput.tools` takes for this tool alone: `server/tool`. */
  spec: Scalars['String']['output'];
};

export type Message = {
  __typename?: 'Message';
  author: Scalars['String']['output'];
  content: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Its place in the discussion log; pass it as `after` to resume from here. */
  cursor: Scalars['String']['output'];
  discussionId: Scalars['ID']['output'];
  durationMs?: Maybe<Scalars['Int']['output']>;
  /** Why the reply ended: stop, length, content_filter, cancelled (stopped by a user), tool_calls (it still asked for tools when MAX_TOOL_STEPS ran out) or other. */
  finishReason?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  model?: Maybe<Scalars['String']['output']>;
  provider?: Maybe<Provider>;
  role: MessageRole;
  round: Scalars['Int']['output'];
  timeToFirstTokenMs?: Maybe<Scalars['Int']['output']>;
  /** The tools the agent called during this turn, in order (see `discussionEvents` for them live). */
  toolCalls: Array<ToolCall>;
  /** The turn this message ended (agent and system messages) or was written in (human messages), from 0. */
  turn: Scalars['Int']['output'];
  usage?: Maybe<Usage>;
  /** The only participants whose contexts hold this message (a private message); null: everyone. Subscribers see it either way. */
  visibleTo?: Maybe<Array<Scalars['String']['output']>>;
};

export type MessageConnection = {
  __typename?: 'MessageConnection';
  edges: Array<MessageEdge>;
  pageInfo: PageInfo;
};

export type MessageEdge = {
  __typename?: 'MessageEdge';
  cursor: Scalars['String']['output'];
  node: Message;
};

export type MessageEvent = {
  __typename?: 'MessageEvent';
  cursor: Scalars['String']['output'];
  message: Message;
};

export type MessageRole =
  | 'AGENT'
  | 'HUMAN'
  | 'SYSTEM';

export type Mutation = {
  __typename?: 'Mutation';
  createDiscussion: Discussion;
  /** Stops the discussion if it runs and removes it with its transcript. */
  deleteDiscussion: Scalars['Boolean']['output'];
  /** A new CREATED discussion of the same owner whose transcript begins with copies of this one's messages up to and including `atCursor` (a message's cursor), with `input`'s changes from there on. Starting it continues from that point: rounds, turns and the speaking order carry on. */
  forkDiscussion: Discussion;
  /** A human message, persisted at once and seen by every later turn (only by the named participants with `options.visibleTo`). `author` defaults to "user" and must not be an agent's name. */
  injectMessage: Message;
  /** The turn in flight finishes; then the discussion holds until resumed. */
  pauseDiscussion: Discussion;
  /** A new CREATED discussion that runs a recorded, ended one again without a vendor: its agents use the REPLAY provider, which streams each recorded call's parts again, and its humans' messages come back where they were, so the transcript is the same. Start it to watch it. */
  replayDiscussion: Discussion;
  resumeDiscussion: Discussion;
  /** Starts a CREATED discussion. `initialMessage` becomes the first message (role HUMAN, author `author` or "user"). */
  startDiscussion: Discussion;
  /** Cancels the provider call in flight at once, keeps its partial text (finishReason `cancelled`) and ends as STOPPED. */
  stopDiscussion: Discussion;
};


export type MutationCreateDiscussionArgs = {
  input: CreateDiscussionInput;
};


export type MutationDeleteDiscussionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationForkDiscussionArgs = {
  atCursor: Scalars['String']['input'];
  id: Scalars['ID']['input'];
  input?: InputMaybe<ForkInput>;
};


export type MutationInjectMessageArgs = {
  author?: InputMaybe<Scalars['String']['input']>;
  content: Scalars['String']['input'];
  discussionId: Scalars['ID']['input'];
  options?: InputMaybe<InjectOptions>;
};


export type MutationPauseDiscussionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReplayDiscussionArgs = {
  id: Scalars['ID']['input'];
  speed?: InputMaybe<Scalars['Float']['input']>;
};


export type MutationResumeDiscussionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationStartDiscussionArgs = {
  author?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  initialMessage?: InputMaybe<Scalars['String']['input']>;
};


export type MutationStopDiscussionArgs = {
  id: Scalars['ID']['input'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type Participant = {
  name: Scalars['String']['output'];
};

/** A ready-made persona: pass its name as `AgentInput.persona` (case-insensitive). */
export type PersonaTemplate = {
  __typename?: 'PersonaTemplate';
  description: Scalars['String']['output'];
  name: Scalars['String']['output'];
  systemPrompt: Scalars['String']['output'];
};

export type Protocol =
  | 'DEBATE'
  | 'MODERATED'
  | 'OPEN'
  | 'ROUND_ROBIN';

export type Provider =
  | 'ANTHROPIC'
  | 'CLAUDE_AGENT'
  | 'GEMINI'
  | 'MOCK'
  | 'OPENAI'
  | 'OPENAI_COMPATIBLE'
  | 'REPLAY';

export type ProviderInfo = {
  __typename?: 'ProviderInfo';
  /** Whether the server has what this provider needs (its key or base URL). */
  configured: Scalars['Boolean']['output'];
  /** The model an agent gets when it names none. */
  defaultModel: Scalars['String']['output'];
  name: Provider;
};

export type Query = {
  __typename?: 'Query';
  discussion?: Maybe<Discussion>;
  /** Discussions newest first. Page forward with `first` and `after`. Page size `first`: 0 to 500, 50 when omitted. */
  discussions: DiscussionConnection;
  /** The MCP servers agents may call tools of, with their tools and whether each is up (connecting those that are not yet). */
  mcpServers: Array<McpServer>;
  personaTemplates: Array<PersonaTemplate>;
  /** Every provider, whether it is configured, and its default model. */
  providers: Array<ProviderInfo>;
};


export type QueryDiscussionArgs = {
  id: Scalars['ID']['input'];
};


export type QueryDiscussionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<DiscussionStatus>;
};

export type ReplaySource = {
  __typename?: 'ReplaySource';
  /** The recorded discussion; null once it has been deleted (or expired). */
  discussion?: Maybe<Discussion>;
  /** Times the recorded pace; 0: as fast as possible. */
  speed: Scalars['Float']['output'];
};

export type SelectorInput = {
  /** Defaults to the provider's default model. At most 200 characters. */
  model?: InputMaybe<Scalars['String']['input']>;
  provider: Provider;
};

export type SpeakerSelectedEvent = {
  __typename?: 'SpeakerSelectedEvent';
  at: Scalars['DateTime']['output'];
  attempts: Scalars['Int']['output'];
  candidates: Array<Scalars['String']['output']>;
  cursor: Scalars['String']['output'];
  discussionId: Scalars['ID']['output'];
  /** The selector gave no usable answer, so turn order decided. */
  fellBack: Scalars['Boolean']['output'];
  reason: Scalars['String']['output'];
  speaker: Scalars['String']['output'];
  /** The picking model's tokens, priced at its price. */
  usage?: Maybe<Usage>;
};

export type Stance =
  | 'CON'
  | 'JUDGE'
  | 'MODERATOR'
  | 'NONE'
  | 'PRO';

export type StatusEvent = {
  __typename?: 'StatusEvent';
  at: Scalars['DateTime']['output'];
  cursor: Scalars['String']['output'];
  discussionId: Scalars['ID']['output'];
  error?: Maybe<Scalars['String']['output']>;
  status: DiscussionStatus;
  stopReason?: Maybe<Scalars['String']['output']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Every event of a discussion. With `after`, persisted events after that cursor are replayed first; tokens are live only. */
  discussionEvents: DiscussionEvent;
  /** The discussion after each change of status, message or usage. Completes when it ends. */
  discussionUpdated: Discussion;
  /** Each committed message. With `after`, every message after that cursor is replayed first, then live ones follow with no gap. Completes when the discussion ends. */
  messageAdded: Message;
  /** Live tokens of every message as it is written (not replayed: read `Discussion.inFlight` for the text so far, and join by `offset`). */
  tokenStreamed: TokenEvent;
};


export type SubscriptionDiscussionEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  discussionId: Scalars['ID']['input'];
};


export type SubscriptionDiscussionUpdatedArgs = {
  discussionId: Scalars['ID']['input'];
};


export type SubscriptionMessageAddedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  discussionId: Scalars['ID']['input'];
};


export type SubscriptionTokenStreamedArgs = {
  discussionId: Scalars['ID']['input'];
};

export type Termination = {
  __typename?: 'Termination';
  maxCostUsd?: Maybe<Scalars['Float']['output']>;
  maxMessages?: Maybe<Scalars['Int']['output']>;
  maxTotalTokens?: Maybe<Scalars['Int']['output']>;
  stopPhrases: Array<Scalars['String']['output']>;
};

export type TerminationInput = {
  /** A hard cap in USD, more than 0 and at most 100000: each call's worst case (estimated input plus maxTokens of output) is reserved before it starts and its maxTokens lowered to fit, so the discussion never spends past it; it ends with stopReason cost_budget. Every agent's model needs a price. */
  maxCostUsd?: InputMaybe<Scalars['Float']['input']>;
  /** End when the transcript holds this many messages, 1 to 10000. */
  maxMessages?: InputMaybe<Scalars['Int']['input']>;
  /** A token budget (input + output), checked before each turn; at least 1. */
  maxTotalTokens?: InputMaybe<Scalars['Int']['input']>;
  /** End when an agent's message contains one of these (case-insensitive). At most 20 phrases. At most 200 characters each. */
  stopPhrases?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** A streamed chunk of the message being written. The deltas of a message, in `index` order, concatenate to its content. */
export type TokenEvent = {
  __typename?: 'TokenEvent';
  author: Scalars['String']['output'];
  delta: Scalars['String']['output'];
  discussionId: Scalars['ID']['output'];
  /** This event's place among its message's token events, from 0. Events joined under load carry the first one's index, so indexes may skip. */
  index: Scalars['Int']['output'];
  messageId: Scalars['ID']['output'];
  /** Where `delta` starts in the message text (UTF-16 code units). Joining by offset is exact even across a reconnect: keep `text.slice(0, offset) + delta` when it is longer than what you have, starting from `inFlight.text`. */
  offset: Scalars['Int']['output'];
};

export type ToolCall = ToolCallDetails & {
  __typename?: 'ToolCall';
  /** The arguments the model sent, as JSON text (cut past 8,000 characters). */
  arguments: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  durationMs: Scalars['Int']['output'];
  /** The vendor's call id, unique within the message. */
  id: Scalars['ID']['output'];
  /** The call failed, timed out (TOOL_TIMEOUT_MS), was cancelled or named no offered tool; `result` says why, and the model saw it. */
  isError: Scalars['Boolean']['output'];
  /** The message of the turn that made the call. */
  messageId: Scalars['ID']['output'];
  /** What the model got back: the output, or what went wrong (cut past MAX_TOOL_RESULT_CHARS, with a note). */
  result: Scalars['String']['output'];
  /** Taken from an earlier attempt of the same turn, whose process died, instead of calling the tool a second time. */
  reused: Scalars['Boolean']['output'];
  /** Which model call of the turn asked for it, from 1. */
  step: Scalars['Int']['output'];
  /** `server/tool`. */
  tool: Scalars['String']['output'];
};

/** A tool an agent called during its turn, through MCP (see `mcpServers`). */
export type ToolCallDetails = {
  /** The arguments the model sent, as JSON text (cut past 8,000 characters). */
  arguments: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  durationMs: Scalars['Int']['output'];
  /** The vendor's call id, unique within the message. */
  id: Scalars['ID']['output'];
  /** The call failed, timed out (TOOL_TIMEOUT_MS), was cancelled or named no offered tool; `result` says why, and the model saw it. */
  isError: Scalars['Boolean']['output'];
  /** The message of the turn that made the call. */
  messageId: Scalars['ID']['output'];
  /** What the model got back: the output, or what went wrong (cut past MAX_TOOL_RESULT_CHARS, with a note). */
  result: Scalars['String']['output'];
  /** Taken from an earlier attempt of the same turn, whose process died, instead of calling the tool a second time. */
  reused: Scalars['Boolean']['output'];
  /** Which model call of the turn asked for it, from 1. */
  step: Scalars['Int']['output'];
  /** `server/tool`. */
  tool: Scalars['String']['output'];
};

/** A tool call as it finished, persisted in the log: replayed by `discussionEvents(after:)`. */
export type ToolCallEvent = ToolCallDetails & {
  __typename?: 'ToolCallEvent';
  /** The arguments the model sent, as JSON text (cut past 8,000 characters). */
  arguments: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  cursor: Scalars['String']['output'];
  discussionId: Scalars['ID']['output'];
  durationMs: Scalars['Int']['output'];
  /** The vendor's call id, unique within the message. */
  id: Scalars['ID']['output'];
  /** The call failed, timed out (TOOL_TIMEOUT_MS), was cancelled or named no offered tool; `result` says why, and the model saw it. */
  isError: Scalars['Boolean']['output'];
  /** The message of the turn that made the call. */
  messageId: Scalars['ID']['output'];
  /** What the model got back: the output, or what went wrong (cut past MAX_TOOL_RESULT_CHARS, with a note). */
  result: Scalars['String']['output'];
  /** Taken from an earlier attempt of the same turn, whose process died, instead of calling the tool a second time. */
  reused: Scalars['Boolean']['output'];
  /** Which model call of the turn asked for it, from 1. */
  step: Scalars['Int']['output'];
  /** `server/tool`. */
  tool: Scalars['String']['output'];
};

/** The process running a turn died and the turn starts over: drop the tokens of `discardedMessageId`; the new attempt streams under a new message id from index 0. */
export type TurnRestartedEvent = {
  __typename?: 'TurnRestartedEvent';
  discardedMessageId: Scalars['ID']['output'];
  discussionId: Scalars['ID']['output'];
  turn: Scalars['Int']['output'];
};

/** Token counts as the providers reported them. A count no provider reported is null, never a made-up 0. */
export type Usage = {
  __typename?: 'Usage';
  /** What these tokens cost in US dollars at the server's price table (PRICING_FILE overrides it). Null when a model has no price or a count is unknown, never an estimate. A discussion's is the sum of its agents' and selector picks' costs. */
  costUsd?: Maybe<Scalars['Float']['output']>;
  inputTokens?: Maybe<Scalars['Int']['output']>;
  outputTokens?: Maybe<Scalars['Int']['output']>;
  /** The sum of the reported counts; null when neither was reported. */
  totalTokens?: Maybe<Scalars['Int']['output']>;
};

export type DiscussionsQueryVariables = Exact<{
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type DiscussionsQuery = { __typename?: 'Query', discussions: { __typename?: 'DiscussionConnection', edges: Array<{ __typename?: 'DiscussionEdge', node: { __typename?: 'Discussion', id: string, topic: string, status: DiscussionStatus, protocol: Protocol, createdAt: string, messageCount: number, usage: { __typename?: 'Usage', totalTokens?: number | null } } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type SetupQueryVariables = Exact<{ [key: string]: never; }>;


export type SetupQuery = { __typename?: 'Query', providers: Array<{ __typename?: 'ProviderInfo', name: Provider, configured: boolean, defaultModel: string }>, personaTemplates: Array<{ __typename?: 'PersonaTemplate', name: string, description: string }> };

export type CreateDiscussionMutationVariables = Exact<{
  input: CreateDiscussionInput;
}>;


export type CreateDiscussionMutation = { __typename?: 'Mutation', createDiscussion: { __typename?: 'Discussion', id: string } };

export type HeaderFieldsFragment = { __typename?: 'Discussion', id: string, topic: string, protocol: Protocol, status: DiscussionStatus, stopReason?: string | null, error?: string | null, currentRound: number, maxRounds: number, turn: number, nextSpeaker?: string | null, messageCount: number, createdAt: string, usage: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } };

type ToolCallFields_ToolCall_Fragment = { __typename?: 'ToolCall', id: string, messageId: string, tool: string, arguments: string, result: string, isError: boolean, durationMs: number, step: number, at: string, reused: boolean };

type ToolCallFields_ToolCallEvent_Fragment = { __typename?: 'ToolCallEvent', id: string, messageId: string, tool: string, arguments: string, result: string, isError: boolean, durationMs: number, step: number, at: string, reused: boolean };

export type ToolCallFieldsFragment =
  | ToolCallFields_ToolCall_Fragment
  | ToolCallFields_ToolCallEvent_Fragment
;

export type DiscussionQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type DiscussionQuery = { __typename?: 'Query', discussion?: { __typename?: 'Discussion', id: string, topic: string, protocol: Protocol, status: DiscussionStatus, stopReason?: string | null, error?: string | null, currentRound: number, maxRounds: number, turn: number, nextSpeaker?: string | null, messageCount: number, createdAt: string, participants: Array<
      | { __typename: 'Agent', provider: Provider, model: string, persona?: string | null, stance: Stance, name: string }
      | { __typename: 'Human', speaksInTurn: boolean, waitSeconds: number, name: string }
    >, inFlight?: { __typename?: 'InFlightMessage', messageId: string, author: string, text: string, round: number, provider?: Provider | null, model?: string | null } | null, usage: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } } | null };

export type DiscussionEventsSubscriptionVariables = Exact<{
  id: Scalars['ID']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type DiscussionEventsSubscription = { __typename?: 'Subscription', discussionEvents:
    | { __typename: 'MessageEvent', cursor: string, message: { __typename?: 'Message', id: string, author: string, role: MessageRole, content: string, round: number, turn: number, provider?: Provider | null, model?: string | null, finishReason?: string | null, createdAt: string, visibleTo?: Array<string> | null, usage?: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } | null, toolCalls: Array<{ __typename?: 'ToolCall', id: string, messageId: string, tool: string, arguments: string, result: string, isError: boolean, durationMs: number, step: number, at: string, reused: boolean }> } }
    | { __typename: 'SpeakerSelectedEvent', cursor: string, speaker: string, reason: string, candidates: Array<string>, fellBack: boolean }
    | { __typename: 'StatusEvent', cursor: string, status: DiscussionStatus, stopReason?: string | null, error?: string | null }
    | { __typename: 'TokenEvent', messageId: string, author: string, offset: number, delta: string }
    | { __typename: 'ToolCallEvent', cursor: string, id: string, messageId: string, tool: string, arguments: string, result: string, isError: boolean, durationMs: number, step: number, at: string, reused: boolean }
    | { __typename: 'TurnRestartedEvent', discardedMessageId: string }
   };

export type StartDiscussionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  initialMessage?: InputMaybe<Scalars['String']['input']>;
}>;


export type StartDiscussionMutation = { __typename?: 'Mutation', startDiscussion: { __typename?: 'Discussion', id: string, topic: string, protocol: Protocol, status: DiscussionStatus, stopReason?: string | null, error?: string | null, currentRound: number, maxRounds: number, turn: number, nextSpeaker?: string | null, messageCount: number, createdAt: string, usage: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } } };

export type PauseDiscussionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type PauseDiscussionMutation = { __typename?: 'Mutation', pauseDiscussion: { __typename?: 'Discussion', id: string, topic: string, protocol: Protocol, status: DiscussionStatus, stopReason?: string | null, error?: string | null, currentRound: number, maxRounds: number, turn: number, nextSpeaker?: string | null, messageCount: number, createdAt: string, usage: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } } };

export type ResumeDiscussionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ResumeDiscussionMutation = { __typename?: 'Mutation', resumeDiscussion: { __typename?: 'Discussion', id: string, topic: string, protocol: Protocol, status: DiscussionStatus, stopReason?: string | null, error?: string | null, currentRound: number, maxRounds: number, turn: number, nextSpeaker?: string | null, messageCount: number, createdAt: string, usage: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } } };

export type StopDiscussionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type StopDiscussionMutation = { __typename?: 'Mutation', stopDiscussion: { __typename?: 'Discussion', id: string, topic: string, protocol: Protocol, status: DiscussionStatus, stopReason?: string | null, error?: string | null, currentRound: number, maxRounds: number, turn: number, nextSpeaker?: string | null, messageCount: number, createdAt: string, usage: { __typename?: 'Usage', inputTokens?: number | null, outputTokens?: number | null, totalTokens?: number | null, costUsd?: number | null } } };

export type InjectMessageMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  content: Scalars['String']['input'];
  author?: InputMaybe<Scalars['String']['input']>;
}>;


export type InjectMessageMutation = { __typename?: 'Mutation', injectMessage: { __typename?: 'Message', id: string } };

export type TranscriptMarkdownQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type TranscriptMarkdownQuery = { __typename?: 'Query', discussion?: { __typename?: 'Discussion', id: string, topic: string, transcriptMarkdown: string } | null };

export const HeaderFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HeaderFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Discussion"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"currentRound"}},{"kind":"Field","name":{"kind":"Name","value":"maxRounds"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"nextSpeaker"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}}]}}]} as unknown as DocumentNode<HeaderFieldsFragment, unknown>;
export const ToolCallFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ToolCallFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolCallDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"tool"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"step"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"reused"}}]}}]} as unknown as DocumentNode<ToolCallFieldsFragment, unknown>;
export const DiscussionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Discussions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"discussions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<DiscussionsQuery, DiscussionsQueryVariables>;
export const SetupDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Setup"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"providers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"configured"}},{"kind":"Field","name":{"kind":"Name","value":"defaultModel"}}]}},{"kind":"Field","name":{"kind":"Name","value":"personaTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}}]}}]} as unknown as DocumentNode<SetupQuery, SetupQueryVariables>;
export const CreateDiscussionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateDiscussion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateDiscussionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createDiscussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<CreateDiscussionMutation, CreateDiscussionMutationVariables>;
export const DiscussionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Discussion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"discussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HeaderFields"}},{"kind":"Field","name":{"kind":"Name","value":"participants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Agent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"persona"}},{"kind":"Field","name":{"kind":"Name","value":"stance"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Human"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"speaksInTurn"}},{"kind":"Field","name":{"kind":"Name","value":"waitSeconds"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inFlight"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"author"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"round"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"model"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HeaderFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Discussion"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"currentRound"}},{"kind":"Field","name":{"kind":"Name","value":"maxRounds"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"nextSpeaker"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}}]}}]} as unknown as DocumentNode<DiscussionQuery, DiscussionQueryVariables>;
export const DiscussionEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"DiscussionEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"discussionEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"discussionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MessageEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"author"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"round"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"visibleTo"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}},{"kind":"Field","name":{"kind":"Name","value":"toolCalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ToolCallFields"}}]}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolCallEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ToolCallFields"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TokenEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"author"}},{"kind":"Field","name":{"kind":"Name","value":"offset"}},{"kind":"Field","name":{"kind":"Name","value":"delta"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"StatusEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SpeakerSelectedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"speaker"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"candidates"}},{"kind":"Field","name":{"kind":"Name","value":"fellBack"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TurnRestartedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"discardedMessageId"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ToolCallFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ToolCallDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"tool"}},{"kind":"Field","name":{"kind":"Name","value":"arguments"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"isError"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"step"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"reused"}}]}}]} as unknown as DocumentNode<DiscussionEventsSubscription, DiscussionEventsSubscriptionVariables>;
export const StartDiscussionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartDiscussion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"initialMessage"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startDiscussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"initialMessage"},"value":{"kind":"Variable","name":{"kind":"Name","value":"initialMessage"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HeaderFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HeaderFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Discussion"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"currentRound"}},{"kind":"Field","name":{"kind":"Name","value":"maxRounds"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"nextSpeaker"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}}]}}]} as unknown as DocumentNode<StartDiscussionMutation, StartDiscussionMutationVariables>;
export const PauseDiscussionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PauseDiscussion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pauseDiscussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HeaderFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HeaderFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Discussion"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"currentRound"}},{"kind":"Field","name":{"kind":"Name","value":"maxRounds"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"nextSpeaker"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}}]}}]} as unknown as DocumentNode<PauseDiscussionMutation, PauseDiscussionMutationVariables>;
export const ResumeDiscussionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResumeDiscussion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resumeDiscussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HeaderFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HeaderFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Discussion"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"currentRound"}},{"kind":"Field","name":{"kind":"Name","value":"maxRounds"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"nextSpeaker"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}}]}}]} as unknown as DocumentNode<ResumeDiscussionMutation, ResumeDiscussionMutationVariables>;
export const StopDiscussionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StopDiscussion"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stopDiscussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HeaderFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HeaderFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Discussion"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"protocol"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"stopReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"currentRound"}},{"kind":"Field","name":{"kind":"Name","value":"maxRounds"}},{"kind":"Field","name":{"kind":"Name","value":"turn"}},{"kind":"Field","name":{"kind":"Name","value":"nextSpeaker"}},{"kind":"Field","name":{"kind":"Name","value":"messageCount"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}}]}}]}}]} as unknown as DocumentNode<StopDiscussionMutation, StopDiscussionMutationVariables>;
export const InjectMessageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InjectMessage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"content"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"author"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"injectMessage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"discussionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"content"},"value":{"kind":"Variable","name":{"kind":"Name","value":"content"}}},{"kind":"Argument","name":{"kind":"Name","value":"author"},"value":{"kind":"Variable","name":{"kind":"Name","value":"author"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<InjectMessageMutation, InjectMessageMutationVariables>;
export const TranscriptMarkdownDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TranscriptMarkdown"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"discussion"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"transcriptMarkdown"}}]}}]}}]} as unknown as DocumentNode<TranscriptMarkdownQuery, TranscriptMarkdownQueryVariables>;