import type { Identity } from '../auth/identity.js';
import { isTerminal, type DiscussionStatus } from '../domain.js';
import { openDiscussionStream, type DiscussionStreamOptions } from '../events/replay.js';
import type { StreamEvent } from '../events/types.js';
import type { DiscussionRecord, InFlightRecord, MessageRecord } from '../store/types.js';
import { type EngineDependencies, OPEN_STATUSES, publishEntry, transitionAndPublish } from './dependencies.js';
import { badInput, conflict, notFound, rateLimited } from './errors.js';
import {
  checkCursor,
  checkPageSize,
  type CursoredMessage,
  DEFAULT_PAGE,
  type MessagePageRequest,
  readAllMessages,
  readMessagePage,
} from './message-paging.js';
import { createMessageRecord } from './message-records.js';
import { type ForkInput, forkedInput, listForks, writeFork } from './fork.js';
import { createRecordPreparer } from './record-preparation.js';
import { checkReplayable, checkReplaySpeed, replayRecord } from './replay.js';
import { UNLIMITED_QUOTAS } from './quotas.js';
import { createTurnCancellation } from './turn-cancellation.js';
import type { TurnRunner } from './turn-runner.js';
import { transcriptMarkdown } from './transcript-markdown.js';
import {
  authorSchema,
  checkVisibleTo,
  contentSchema,
  type CreateDiscussionInput,
  type InjectOptions,
  injectOptionsSchema,
  parseInput,
} from './validation.js';

export type { CursoredMessage, MessagePageRequest } from './message-paging.js';

const DEFAULT_AUTHOR = 'user';
/** Ids and cursors longer than this are refused without being looked up or repeated. */
export const MAX_ID_LENGTH = 200;
/** Discussion ids are UUIDs; `discussions(after:)` takes one. */
const DISCUSSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** When a caller at the running limit may look again: a guess, since it depends on their discussions ending. */
const RUNNING_RETRY_SECONDS = 30;

export function checkId(id: string, field: string): string {
  if (id.length > MAX_ID_LENGTH) throw badInput(field, `is longer than ${MAX_ID_LENGTH} characters`);
  return id;
}

export type DiscussionService = ReturnType<typeof createDiscussionService>;
/** Everything one caller may do: every method is scoped to that caller's owner. */
export type OwnerDiscussions = ReturnType<DiscussionService['forIdentity']>;

/**
 * Discussions as callers see them. `forIdentity` is the only way in, so every
 * read, list, mutation and subscription is scoped to the caller's owner (an
 * admin's reaches every owner); another owner's discussion is NOT_FOUND,
 * exactly like one that does not exist.
 */
export function createDiscussionService(dependencies: EngineDependencies & { runner: TurnRunner }) {
  const { store, bus, scheduler, runner } = dependencies;
  const quotas = dependencies.quotas ?? UNLIMITED_QUOTAS;
  const now = dependencies.now ?? (() => new Date());
  const { stopDiscussion } = createTurnCancellation(dependencies);

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

  const humanMessage = (record: DiscussionRecord, author: string, content: string, visibleTo?: string[]): MessageRecord =>
    createMessageRecord(
      record.id,
      { author, role: 'HUMAN', content, round: record.currentRound, turn: record.turn, ...(visibleTo ? { visibleTo } : {}) },
      now(),
    );

  async function appendHumanMessage(record: DiscussionRecord, message: MessageRecord): Promise<CursoredMessage> {
    const appended = await store.appendMessage(record.id, message);
    if (!appended) throw notFound('Discussion', record.id);
    await publishEntry(bus, record.id, appended.entry);
    return { ...appended.entry.message, cursor: appended.entry.cursor };
  }

  /** Refuses to begin or go on with work once the owner's daily tokens or money are spent. */
  async function checkTokenBudget(owner: string): Promise<void> {
    const retryAfterSeconds = await quotas.tokenBudgetSpent(owner);
    if (retryAfterSeconds !== undefined)
      throw rateLimited("the owner's daily token budget is spent (OWNER_DAILY_TOKEN_BUDGET)", retryAfterSeconds);
    const costRetryAfterSeconds = await quotas.costBudgetSpent(owner);
    if (costRetryAfterSeconds !== undefined)
      throw rateLimited("the owner's daily spending limit is reached (OWNER_DAILY_COST_USD)", costRetryAfterSeconds);
  }

  const prepare = createRecordPreparer(dependencies);
  const prepareRecord = (owner: string, rawInput: CreateDiscussionInput) => prepare(owner, rawInput, now());

  function forIdentity({ owner, admin }: Identity) {
    /** The discussion if this caller may see it; undefined otherwise, as if it did not exist. */
    async function find(id: string, field = 'id'): Promise<DiscussionRecord | undefined> {
      const record = await store.get(checkId(id, field));
      return record && (admin || record.owner === owner) ? record : undefined;
    }

    async function load(id: string, field = 'id'): Promise<DiscussionRecord> {
      const record = await find(id, field);
      if (!record) throw notFound('Discussion', id);
      return record;
    }

    /** NOT_FOUND unless this caller may see the discussion, as `load` does, reading only its owner and status. */
    async function checkVisible(id: string, field: string): Promise<void> {
      const access = await store.access(checkId(id, field));
      if (!access || !(admin || access.owner === owner)) throw notFound('Discussion', id);
    }

    /** Each mutation counts against the caller's per-minute limit before it does anything. */
    const charge = () => quotas.chargeMutations(owner, 1);

    async function change(id: string, action: string, from: readonly DiscussionStatus[], to: DiscussionStatus) {
      await load(id);
      const changed = await transitionAndPublish(dependencies, id, { from, to });
      if (!changed) refuse(await reload(id), action);
      return changed;
    }

    return {
      identity: { owner, admin } satisfies Identity,
      get: find,

      list(options: { first?: number | null; after?: string | null; status?: DiscussionStatus | null }) {
        const after = options.after ?? undefined;
        if (after !== undefined && !DISCUSSION_ID.test(after)) throw badInput('after', 'is not a cursor from this API');
        return store.list(admin ? undefined : owner, {
          first: checkPageSize(options.first, 'first') ?? DEFAULT_PAGE,
          after,
          status: options.status ?? undefined,
        });
      },

      async create(rawInput: CreateDiscussionInput): Promise<DiscussionRecord> {
        await charge();
        const record = await prepareRecord(owner, rawInput);
        await store.create(record);
        return record;
      },

      /** A new CREATED discussion of the source's owner, its transcript copied up to `atCursor`, with `changes` over the source's settings. */
      async fork(id: string, atCursor: string, changes: ForkInput | null | undefined): Promise<DiscussionRecord> {
        await charge();
        const source = await load(id);
        return writeFork(store, source, atCursor, await prepareRecord(source.owner, forkedInput(source, changes)));
      },

      /** A new CREATED discussion that streams the recorded (and ended) source again through REPLAY, at `speed` times its pace. */
      async replay(id: string, speed: number): Promise<DiscussionRecord> {
        await charge();
        const pace = checkReplaySpeed(speed);
        const source = await load(id);
        checkReplayable(source);
        const record = replayRecord(source, pace, now());
        await store.create(record);
        return record;
      },

      async start(id: string, initialMessage?: string | null, author?: string | null) {
        await charge();
        const record = await load(id);
        const content =
          initialMessage === null || initialMessage === undefined ? undefined : parseInput(contentSchema, initialMessage, 'initialMessage');
        const speaker = content === undefined ? undefined : checkAuthor(record, author, 'author');
        if (record.status !== 'CREATED') refuse(record, 'start');
        await checkTokenBudget(record.owner);
        if (!(await store.admitRunning(record.owner, id, quotas.maxRunning))) {
          throw rateLimited(
            `at most ${quotas.maxRunning} discussions running or waiting at once (MAX_RUNNING_PER_OWNER)`,
            RUNNING_RETRY_SECONDS,
          );
        }
        const started = await transitionAndPublish(dependencies, id, {
          from: ['CREATED'],
          to: 'RUNNING',
          patch: { startedAt: now().toISOString() },
        });
        if (!started) refuse(await reload(id), 'start');
        if (content !== undefined && speaker !== undefined) await appendHumanMessage(started, humanMessage(started, speaker, content));
        await scheduler.schedule({ discussionId: id, turn: started.turn });
        return reload(id);
      },

      async inject(id: string, content: string, author?: string | null, options?: InjectOptions | null): Promise<CursoredMessage> {
        await charge();
        const record = await load(id, 'discussionId');
        const text = parseInput(contentSchema, content, 'content');
        const name = checkAuthor(record, author, 'author');
        const { visibleTo } = parseInput(injectOptionsSchema, options ?? {}, 'options');
        // The author is not added: a human may write a note only the named agents read.
        const message = humanMessage(record, name, text, checkVisibleTo(record, visibleTo, 'options.visibleTo'));
        if (!OPEN_STATUSES.includes(record.status)) refuse(record, 'inject a message into');
        // The human the discussion waits for takes its turn; anyone else adds to the transcript.
        const turn = await runner.takeHumanTurn(record, message);
        return turn ? { ...turn.message, cursor: turn.cursor } : appendHumanMessage(record, message);
      },

      async pause(id: string) {
        await charge();
        const paused = await change(id, 'pause', ['RUNNING', 'WAITING_FOR_HUMAN'], 'PAUSED');
        // A human's wait ends with the pause; resuming asks that human again with a fresh wait.
        await scheduler.cancel({ discussionId: id, turn: paused.turn, kind: 'human-timeout' });
        return paused;
      },

      async resume(id: string) {
        await charge();
        const record = await load(id);
        if (record.status === 'PAUSED') await checkTokenBudget(record.owner);
        const resumed = await change(id, 'resume', ['PAUSED'], 'RUNNING');
        await scheduler.schedule({ discussionId: id, turn: resumed.turn });
        return reload(id);
      },

      async stop(id: string) {
        await charge();
        await load(id);
        const stopped = await stopDiscussion(id);
        if (!stopped) refuse(await reload(id), 'stop');
        return reload(id);
      },

      async delete(id: string): Promise<boolean> {
        await charge();
        await load(id);
        await stopDiscussion(id);
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

      /** A page of the transcript of a discussion this caller has loaded. */
      messages: (record: Pick<DiscussionRecord, 'id'>, request: MessagePageRequest) => readMessagePage(store, record.id, request),

      forks: (record: Pick<DiscussionRecord, 'id' | 'owner'>) => listForks(store, record), // newest first

      /** The whole transcript of a discussion this caller has loaded, as Markdown. */
      transcriptMarkdown: async (record: DiscussionRecord) => transcriptMarkdown(record, await readAllMessages(store, record.id)),

      /**
       * Every event of a discussion for one subscriber (persisted ones after `after` first), bounded by
       * `subscriberBufferEvents`; NOT_FOUND when this caller cannot see it.
       */
      async events(id: string, options: Omit<DiscussionStreamOptions, 'capacity'>): Promise<AsyncIterableIterator<StreamEvent>> {
        // Every subscriber checks this: the owner is all it needs, not the whole record.
        await checkVisible(id, 'discussionId');
        checkCursor(options.after, 'after');
        const capacity = dependencies.subscriberBufferEvents;
        const onOverflow = () => {
          dependencies.logger.info({ discussionId: id, capacity }, 'a subscriber fell behind: its stream ended');
          options.onOverflow?.();
        };
        return openDiscussionStream(dependencies, id, { ...options, capacity, onOverflow });
      },
    };
  }

  return { forIdentity };
}
