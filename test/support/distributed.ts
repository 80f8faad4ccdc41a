import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { z } from 'zod';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { deleteKeys, TEST_REDIS_URL } from './app.js';
import { mustGraphQL, subscribeWs, type Subscription } from './clients.js';
import { type MessageView, MESSAGE_ADDED, MESSAGE_FIELDS, messageViewSchema, mockAgents } from './documents.js';
import { createProcessGroup, type LogLine, type ProcessGroup } from './processes.js';

/** Every kind of discussionEvents payload, with what the distributed tests compare. */
export const EVENTS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename
  ... on MessageEvent { cursor message { id cursor author role content turn finishReason } }
  ... on TokenEvent { messageId author delta index }
  ... on StatusEvent { cursor status stopReason }
  ... on TurnRestartedEvent { turn discardedMessageId }
} }`;

/** A discussionEvents payload as EVENTS selects it. */
export const eventViewSchema = z.discriminatedUnion('__typename', [
  z.strictObject({
    __typename: z.literal('MessageEvent'),
    cursor: z.string(),
    message: messageViewSchema.pick({ id: true, cursor: true, author: true, role: true, content: true, turn: true, finishReason: true }),
  }),
  z.strictObject({ __typename: z.literal('TokenEvent'), messageId: z.string(), author: z.string(), delta: z.string(), index: z.number() }),
  z.strictObject({ __typename: z.literal('StatusEvent'), cursor: z.string(), status: z.string(), stopReason: z.string().nullable() }),
  z.strictObject({ __typename: z.literal('TurnRestartedEvent'), turn: z.number(), discardedMessageId: z.string() }),
  z.strictObject({ __typename: z.literal('SpeakerSelectedEvent') }),
]);
export type EventView = z.output<typeof eventViewSchema>;

export type TokenEventView = Extract<EventView, { __typename: 'TokenEvent' }>;

export const INJECT = `mutation($id: ID!, $content: String!, $author: String) {
  injectMessage(discussionId: $id, content: $content, author: $author) { id cursor } }`;
export const STOP = `mutation($id: ID!) { stopDiscussion(id: $id) { status stopReason } }`;
export const stoppedSchema = z.strictObject({ stopDiscussion: z.strictObject({ status: z.string(), stopReason: z.string().nullable() }) });
const TRANSCRIPT = `query($id: ID!, $after: String) { discussion(id: $id) {
  status stopReason error turn inFlight { messageId text }
  messages(first: 500, after: $after) { edges { node { ${MESSAGE_FIELDS} } } pageInfo { hasNextPage endCursor } } } }`;

const transcriptPageSchema = z.strictObject({
  discussion: z
    .strictObject({
      status: z.string(),
      stopReason: z.string().nullable(),
      error: z.string().nullable(),
      turn: z.number(),
      inFlight: z.strictObject({ messageId: z.string(), text: z.string() }).nullable(),
      messages: z.strictObject({
        edges: z.array(z.strictObject({ node: messageViewSchema })),
        pageInfo: z.strictObject({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
      }),
    })
    .nullable(),
});

export interface Transcript {
  status: string;
  stopReason: string | null;
  error: string | null;
  turn: number;
  inFlight: { messageId: string; text: string } | null;
  messages: MessageView[];
}

/** The whole transcript, page by page, and the discussion's state. */
export async function readTranscript(url: string, id: string): Promise<Transcript> {
  const messages: MessageView[] = [];
  let after: string | undefined;
  for (;;) {
    const { discussion } = await mustGraphQL(url, TRANSCRIPT, { id, after }, { schema: transcriptPageSchema });
    if (!discussion) throw new Error(`discussion ${id} not found`);
    messages.push(...discussion.messages.edges.map((edge) => edge.node));
    const { hasNextPage, endCursor } = discussion.messages.pageInfo;
    if (!hasNextPage || endCursor === null) {
      const { status, stopReason, error, turn, inFlight } = discussion;
      return { status, stopReason, error, turn, inFlight, messages };
    }
    after = endCursor;
  }
}

export async function injectMessage(
  url: string,
  id: string,
  content: string,
  author = 'observer',
): Promise<{ id: string; cursor: string }> {
  const schema = z.strictObject({ injectMessage: z.strictObject({ id: z.string(), cursor: z.string() }) });
  const data = await mustGraphQL(url, INJECT, { id, content, author }, { schema });
  return data.injectMessage;
}

/**
 * Resolves once a message injected now has come through `events` (a discussionEvents subscription with `after`):
 * its replay is over and its live subscription is set up, so it misses nothing from here on.
 */
export async function waitUntilLive(url: string, id: string, events: Subscription<EventView>): Promise<void> {
  const probe = await injectMessage(url, id, 'Kick-off from an observer.');
  await events.collector.waitFor((values) => values.some((event) => event.__typename === 'MessageEvent' && event.message.id === probe.id), {
    what: 'the probe',
  });
}

/** Values that occur more than once. */
export function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const repeated = new Set<T>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}

/** Turn numbers that are missing from, or repeated in, 0..n-1. */
export function turnProblems(turns: readonly number[]): { missing: number[]; repeated: number[] } {
  const present = new Set(turns);
  const missing = Array.from({ length: turns.length }, (_, turn) => turn).filter((turn) => !present.has(turn));
  return { missing, repeated: duplicates(turns) };
}

/**
 * A messageAdded subscriber that "reconnects": it drops its subscription and
 * opens a new one with `after` = the last cursor it had, keeping everything
 * each subscription delivered, in arrival order.
 */
export class ReconnectingMessages {
  readonly received: MessageView[] = [];
  reconnects = 0;
  private current: Subscription<MessageView> | undefined;
  private delivered = 0;

  constructor(
    private readonly client: Client,
    private readonly discussionId: string,
  ) {}

  get lastCursor(): string | undefined {
    return this.received.at(-1)?.cursor;
  }

  /** Opens the first subscription (replaying from `after`). */
  async open(after = '0-0'): Promise<void> {
    await this.subscribe(after);
  }

  async reconnect(): Promise<void> {
    this.absorb();
    this.current?.close();
    this.reconnects += 1;
    await this.subscribe(this.lastCursor ?? '0-0');
  }

  /** Waits for the current subscription to complete (the discussion ended) and keeps what it delivered. */
  async waitForEnd(timeoutMs: number): Promise<MessageView[]> {
    if (!this.current) throw new Error('not subscribed');
    await this.current.collector.waitForCompletion({ timeoutMs });
    this.absorb();
    if (this.current.collector.errors.length > 0) throw new Error(`messageAdded failed: ${JSON.stringify(this.current.collector.errors)}`);
    return this.received;
  }

  close(): void {
    this.current?.close();
  }

  private absorb(): void {
    if (!this.current) return;
    const values = this.current.collector.values;
    this.received.push(...values.slice(this.delivered));
    this.delivered = values.length;
  }

  private async subscribe(after: string): Promise<void> {
    this.current = await subscribeWs(this.client, MESSAGE_ADDED, { id: this.discussionId, after }, 'messageAdded', messageViewSchema);
    this.delivered = 0;
  }
}

/** The text a message's token events spell, in index order. */
export function spelledBy(events: readonly EventView[], messageId: string | undefined): string {
  return events
    .filter((event): event is TokenEventView => event.__typename === 'TokenEvent' && event.messageId === messageId)
    .sort((a, b) => a.index - b.index)
    .map((token) => token.delta)
    .join('');
}

/**
 * Agents that speak through the fake vendor's OpenAI-compatible server (spawned
 * services reach it over HTTP), so a test can hold a reply open at a gate.
 */
export const vendorAgents = (count: number) => mockAgents(count, { provider: 'OPENAI_COMPATIBLE' });

/**
 * A fake vendor for the test file, started before its tests and closed after
 * them; its scripts, gates and recorded requests are reset before each test.
 * Spawn services with `fake.environment()` to point them at it.
 */
export function useFakeVendor(): { readonly fake: FakeVendor } {
  let fake: FakeVendor | undefined;
  beforeAll(async () => {
    fake = await startFakeVendor();
  });
  beforeEach(() => fake?.reset());
  afterAll(() => fake?.close());
  return {
    get fake(): FakeVendor {
      if (!fake) throw new Error('the fake vendor is not started yet');
      return fake;
    },
  };
}

export const isTurnStarted =
  (discussionId: string) =>
  (line: LogLine): boolean =>
    line.entry.msg === 'turn started' && line.entry.discussionId === discussionId;

/** How many of each process's last log lines a failed test prints. */
const FAILURE_LOG_LINES = 80;

/**
 * One process group and Redis key prefix per test: every process is SIGKILLed
 * after the test (pass or fail) and the prefix's keys are deleted from the
 * shared test Redis. With `ownRedis`, the test starts its own redis-server in
 * the group, and its keys go with that server's directory.
 */
export function useProcesses({ ownRedis = false }: { ownRedis?: boolean } = {}) {
  const redisUrl = TEST_REDIS_URL;
  let group: ProcessGroup | undefined;
  let keyPrefix = '';
  const cleanup = async () => {
    await group?.killAll();
    if (keyPrefix && !ownRedis) await deleteKeys(redisUrl, keyPrefix);
    keyPrefix = '';
  };
  beforeEach(() => {
    keyPrefix = `test:dist:${randomUUID()}:`;
    group = createProcessGroup({ REDIS_KEY_PREFIX: keyPrefix });
  });
  afterEach(async ({ task }) => {
    // A failure that happened in another process is explained by its log: print the end of every process's.
    if (task.result?.state === 'fail' && group) {
      const lines = group.log.values;
      for (const name of new Set(lines.map((line) => line.process))) {
        const tail = lines.filter((line) => line.process === name).slice(-FAILURE_LOG_LINES);
        console.error(`The last ${tail.length} log lines of ${name}:\n${tail.map((line) => JSON.stringify(line.entry)).join('\n')}`);
      }
    }
    await cleanup();
  }, 30_000);
  afterAll(cleanup, 30_000);
  return {
    get group(): ProcessGroup {
      if (!group) throw new Error('no process group outside a test');
      return group;
    },
    get keyPrefix(): string {
      return keyPrefix;
    },
    redisUrl,
  };
}
