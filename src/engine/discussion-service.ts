import { randomUUID } from 'node:crypto';
import { isTerminal, STOP_REASONS, type DiscussionStatus } from '../domain.js';
import { openDiscussionStream, type DiscussionStreamOptions } from '../events/replay.js';
import type { LiveEvent } from '../events/types.js';
import type { DiscussionRecord, InFlightRecord, MessageRecord, Page } from '../store/types.js';
import { initialState } from '../store/records.js';
import { isCursor } from '../store/types.js';
import { type EngineDependencies, OPEN_STATUSES, publishEntry, transitionAndPublish } from './dependencies.js';
import { badInput, conflict, DomainError, notFound } from './errors.js';
import { resolvePersonaPrompt } from './prompt.js';
import type { TurnRunner } from './turn-runner.js';
import { authorSchema, checkProtocolRules, contentSchema, type CreateDiscussionInput, createDiscussionSchema, parseInput } from './validation.js';

/** A message together with its place in the log. */
export type CursoredMessage = MessageRecord & { cursor: string };

export interface MessagePageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const DEFAULT_AUTHOR = 'user';
/** How long a stop waits for the process running the turn to cancel it before ending the turn itself. */
const REMOTE_CANCEL_TIMEOUT_MS = 5_000;
/** Takeovers of the turn a stop follows before it ends the latest attempt itself. */
const MAX_CANCEL_ATTEMPTS = 3;

function checkCursor(value: string | null | undefined, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isCursor(value)) throw badInput(field, `"${value}" is not a cursor from this API`);
  return value;
}

function checkPageSize(value: number | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE) throw badInput(field, `must be between 0 and ${MAX_PAGE}`);
  return value;
}

export type DiscussionService = ReturnType<typeof createDiscussionService>;

export function createDiscussionService(dependencies: EngineDependencies & { runner: TurnRunner }) {
  const { store, bus, providers, scheduler, runner } = dependencies;
  const now = dependencies.now ?? (() => new Date());

  async function load(owner: string, id: string): Promise<DiscussionRecord> {
    const record = await store.get(id);
    if (!record || record.owner !== owner) throw notFound('Discussion', id);
    return record;
  }

  async function reload(id: string): Promise<DiscussionRecord> {
    const record = await store.get(id);
    if (!record) throw notFound('Discussion', id);
    return record;
  }

  function refuse(record: DiscussionRecord, action: string): never {
    throw conflict(`Cannot ${action} discussion "${record.id}": it is ${record.status}`);
  }

  function checkAuthor(record: DiscussionRecord, author: string | null | undefined, field: string): string {
    const name = author === null || author === undefined ? DEFAULT_AUTHOR : parseInput(authorSchema, author, field);
    if (record.agents.some((agent) => agent.name.toLowerCase() === name.toLowerCase())) {
      throw badInput(field, `"${name}" is the name of an agent in this discussion; humans must use another name`);
    }
    return name;
  }

  const humanMessage = (record: DiscussionRecord, author: string, content: string): MessageRecord => ({
    id: randomUUID(),
    discussionId: record.id,
    author,
    role: 'HUMAN',
    content,
    round: record.currentRound,
    turn: record.turn,
    createdAt: now().toISOString(),
  });

  async function appendHumanMessage(record: DiscussionRecord, author: string, content: string): Promise<CursoredMessage> {
    const message = humanMessage(record, author, content);
    const appended = await store.appendMessage(record.id, message);
    if (!appended) throw notFound('Discussion', record.id);
    await publishEntry(bus, record.id, appended.entry);
    return { ...appended.entry.message, cursor: appended.entry.cursor };
  }

  async function create(owner: string, rawInput: CreateDiscussionInput): Promise<DiscussionRecord> {
    const input = parseInput(createDiscussionSchema, rawInput, 'input');
    checkProtocolRules(input);
    const unconfigured = [...input.agents.map((agent, index) => ({ provider: agent.provider, field: `input.agents[${index}].provider` }))];
    if (input.selector) unconfigured.push({ provider: input.selector.provider, field: 'input.selector.provider' });
    for (const { provider, field } of unconfigured) {
      if (!providers.get(provider)) {
        throw new DomainError('PROVIDER_NOT_CONFIGURED', `${field}: provider ${provider} is not configured on this server`, { field });
      }
    }
    const record: DiscussionRecord = {
      id: randomUUID(),
      owner,
      createdAt: now().toISOString(),
      topic: input.topic,
      protocol: input.protocol,
      maxRounds: input.maxRounds,
      agents: input.agents.map((agent) => ({
        name: agent.name,
        persona: agent.persona ?? undefined,
        systemPrompt: resolvePersonaPrompt(agent.persona ?? undefined, agent.systemPrompt ?? undefined),
        provider: agent.provider,
        model: agent.model ?? providers.defaultModel(agent.provider),
        temperature: agent.temperature ?? undefined,
        maxTokens: agent.maxTokens ?? undefined,
        maxContextTokens: agent.maxContextTokens ?? undefined,
        stance: agent.stance,
      })),
      humans: input.humans,
      termination: {
        maxMessages: input.termination.maxMessages ?? undefined,
        maxTotalTokens: input.termination.maxTotalTokens ?? undefined,
        stopPhrases: input.termination.stopPhrases,
      },
      selector: input.selector
        ? { provider: input.selector.provider, model: input.selector.model ?? providers.defaultModel(input.selector.provider) }
        : undefined,
      ...initialState(),
    };
    await store.create(record);
    return record;
  }

  async function start(owner: string, id: string, initialMessage?: string | null, author?: string | null) {
    const record = await load(owner, id);
    const content = initialMessage === null || initialMessage === undefined ? undefined : parseInput(contentSchema, initialMessage, 'initialMessage');
    const speaker = content === undefined ? undefined : checkAuthor(record, author, 'author');
    const started = await transitionAndPublish(dependencies, id, {
      from: ['CREATED'],
      to: 'RUNNING',
      patch: { startedAt: now().toISOString() },
    });
    if (!started) refuse(await reload(id), 'start');
    if (content !== undefined && speaker !== undefined) await appendHumanMessage(started, speaker, content);
    await scheduler.schedule({ discussionId: id, turn: started.turn });
    return reload(id);
  }

  async function inject(owner: string, id: string, content: string, author?: string | null): Promise<CursoredMessage> {
    const record = await load(owner, id);
    const text = parseInput(contentSchema, content, 'content');
    const name = checkAuthor(record, author, 'author');
    if (!OPEN_STATUSES.includes(record.status)) refuse(record, 'inject a message into');
    // The human the discussion waits for takes its turn; anyone else adds to the transcript.
    const turn = await runner.takeHumanTurn(record, humanMessage(record, name, text));
    return turn ? { ...turn.message, cursor: turn.cursor } : appendHumanMessage(record, name, text);
  }

  async function change(owner: string, id: string, action: string, from: readonly DiscussionStatus[], to: DiscussionStatus) {
    await load(owner, id);
    const changed = await transitionAndPublish(dependencies, id, { from, to });
    if (!changed) refuse(await reload(id), action);
    return changed;
  }

  /** Resolves true once the turn streaming `messageId` has ended, false after the timeout. */
  async function waitForTurnEnd(id: string, messageId: string, request: () => Promise<void>): Promise<boolean> {
    let finish: (ended: boolean) => void = () => {};
    const ended = new Promise<boolean>((resolve) => (finish = resolve));
    const unsubscribe = await bus.subscribe(id, (event) => {
      if ((event.type === 'turn_ended' && event.messageId === messageId) || (event.type === 'message' && event.message.id === messageId)) finish(true);
    });
    const timer = setTimeout(() => finish(false), REMOTE_CANCEL_TIMEOUT_MS);
    try {
      await request();
      // It may have ended before the subscription was live.
      if ((await store.getInFlight(id))?.messageId !== messageId) finish(true);
      return await ended;
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
  }

  /** Cancels the discussion's turn wherever it runs and waits until it has settled, so its partial message precedes what follows. */
  async function cancelTurn(id: string): Promise<void> {
    if (runner.isRunning(id)) return runner.cancel(id, 'stop');
    let inFlight = await store.getInFlight(id);
    for (let attempt = 1; inFlight && attempt <= MAX_CANCEL_ATTEMPTS; attempt += 1) {
      const { messageId } = inFlight;
      const settled = await waitForTurnEnd(id, messageId, () => bus.sendCommand({ type: 'cancel_turn', discussionId: id, reason: 'stop' }));
      if (settled) return;
      // No process answered: the one running the turn is gone. End its turn here. If another
      // worker took the turn over meanwhile, its attempt replaced the in-flight message (and
      // told subscribers to discard this one): this does nothing, and the loop cancels that attempt.
      await runner.abandonTurn(id, messageId);
      inFlight = await store.getInFlight(id);
    }
  }

  async function stopRecord(id: string): Promise<DiscussionRecord | undefined> {
    // Cancel first so the partial message is committed before the final status
    // (subscriptions end on it); cancel again for a turn that began meanwhile.
    await cancelTurn(id);
    const stopped = await transitionAndPublish(dependencies, id, {
      from: OPEN_STATUSES,
      to: 'STOPPED',
      patch: { stopReason: STOP_REASONS.stoppedByUser, finishedAt: now().toISOString(), nextSpeaker: null },
    });
    await cancelTurn(id);
    return stopped;
  }

  return {
    create,
    start,
    inject,
    get: async (owner: string, id: string) => {
      const record = await store.get(id);
      return record && record.owner === owner ? record : undefined;
    },
    list: (owner: string, options: { first?: number | null; after?: string | null; status?: DiscussionStatus | null }) =>
      store.list(owner, {
        first: checkPageSize(options.first, 'first') ?? DEFAULT_PAGE,
        after: options.after ?? undefined,
        status: options.status ?? undefined,
      }),
    async pause(owner: string, id: string) {
      const paused = await change(owner, id, 'pause', ['RUNNING', 'WAITING_FOR_HUMAN'], 'PAUSED');
      // A human's wait ends with the pause; resuming asks that human again with a fresh wait.
      await scheduler.cancel({ discussionId: id, turn: paused.turn, kind: 'human-timeout' });
      return paused;
    },
    async resume(owner: string, id: string) {
      const resumed = await change(owner, id, 'resume', ['PAUSED'], 'RUNNING');
      await scheduler.schedule({ discussionId: id, turn: resumed.turn });
      return reload(id);
    },
    async stop(owner: string, id: string) {
      await load(owner, id);
      const stopped = await stopRecord(id);
      if (!stopped) refuse(await reload(id), 'stop');
      return reload(id);
    },
    async delete(owner: string, id: string): Promise<boolean> {
      await load(owner, id);
      await stopRecord(id);
      const deleted = await store.delete(id);
      await bus.publish(id, { type: 'deleted', discussionId: id });
      return deleted;
    },
    /**
     * The message being streamed for the discussion's current turn. One left by an
     * attempt whose turn was committed by another (a duplicate after a takeover) is stale.
     */
    async inFlight(record: Pick<DiscussionRecord, 'id' | 'turn' | 'status'>): Promise<InFlightRecord | undefined> {
      if (isTerminal(record.status)) return undefined;
      const inFlight = await store.getInFlight(record.id);
      return inFlight?.turn === record.turn ? inFlight : undefined;
    },

    /** Relay paging over the log: `first`/`after` read forward, `last`/`before` backward. */
    async messages(id: string, request: MessagePageRequest) {
      const first = checkPageSize(request.first, 'first');
      const last = checkPageSize(request.last, 'last');
      const after = checkCursor(request.after, 'after');
      const before = checkCursor(request.before, 'before');
      if (first !== undefined && last !== undefined) throw badInput('last', 'use either first or last, not both');
      const backward = last !== undefined || (before !== undefined && after === undefined && first === undefined);
      const page: Page<{ cursor: string; message: MessageRecord }> = await store.readMessages(id, {
        after,
        before,
        limit: (backward ? last : first) ?? DEFAULT_PAGE,
        direction: backward ? 'backward' : 'forward',
      });
      const items: CursoredMessage[] = page.items.map(({ cursor, message }) => ({ ...message, cursor }));
      return {
        items,
        hasNextPage: backward ? before !== undefined : page.hasMore,
        hasPreviousPage: backward ? page.hasMore : after !== undefined,
      };
    },

    /** Every event of a discussion (persisted ones after `after` first); NOT_FOUND when it does not exist. */
    async events(owner: string, id: string, options: DiscussionStreamOptions): Promise<AsyncIterableIterator<LiveEvent>> {
      await load(owner, id);
      if (options.after !== undefined) checkCursor(options.after, 'after');
      return openDiscussionStream(dependencies, id, options);
    },
  };
}
