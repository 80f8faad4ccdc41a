/**
 * Every subscriber of the streaming benchmark (bench/streaming.ts), in a process
 * of their own so their cost does not land on the server measured: graphql-ws
 * subscribers of the service, bare ws sockets on the raw broadcaster, the plain
 * Redis reference, and the slow reader. Driven over IPC, in named groups.
 */
import { readTranscript } from './graphql-http.js';
import { handle, serveCommands } from './ipc.js';
import { openSlowRawClient, openSlowServiceClient, type SlowClient } from './slow-client.js';
import { analyseGroup, type Expectation } from './stream-analysis.js';
import { clientCommands, type GroupReport } from './stream-protocol.js';
import { openRawSocket, openReference, openServiceSocket, type LiveStream, type Reference } from './stream-subscribers.js';
import { withTimeout } from './stats.js';

interface Group {
  streams: LiveStream[];
  reference?: Reference;
  markAt: number;
  problems: string[];
}

const groups = new Map<string, Group>();
let slow: SlowClient | undefined;

function groupOf(name: string): Group {
  const existing = groups.get(name);
  if (existing) return existing;
  const group: Group = { streams: [], markAt: performance.now(), problems: [] };
  groups.set(name, group);
  return group;
}

function openService(input: {
  group: string;
  wsUrl: string;
  discussionIds: string[];
  perDiscussion: number;
  socketPerSubscription: boolean;
}) {
  const group = groupOf(input.group);
  for (let copy = 0; copy < input.perDiscussion; copy++) {
    if (input.socketPerSubscription) for (const id of input.discussionIds) group.streams.push(...openServiceSocket(input.wsUrl, [id]));
    else group.streams.push(...openServiceSocket(input.wsUrl, input.discussionIds));
  }
}

async function openRaw(input: { group: string; wsUrl: string; channels: string[]; perChannel: number }): Promise<void> {
  const group = groupOf(input.group);
  const opening = input.channels.flatMap((channel) => Array.from({ length: input.perChannel }, () => openRawSocket(input.wsUrl, channel)));
  group.streams.push(...(await Promise.all(opening)));
}

async function awaitService({ group: name, discussionIds, timeoutMs }: { group: string; discussionIds?: string[]; timeoutMs: number }) {
  const group = groupOf(name);
  const wanted = discussionIds ? new Set(discussionIds) : undefined;
  const streams = group.streams.filter((stream) => !wanted || wanted.has(stream.discussionId));
  const outcomes = await withTimeout(Promise.all(streams.map((stream) => stream.done)), timeoutMs, 'waiting for the discussions to end');
  for (const outcome of outcomes) if (outcome.kind === 'error') group.problems.push(outcome.message);
}

async function awaitRaw({ group: name, characters, timeoutMs }: { group: string; characters: number; timeoutMs: number }) {
  const { streams } = groupOf(name);
  const deadline = performance.now() + timeoutMs;
  while (streams.some((stream) => stream.characters < characters)) {
    if (performance.now() > deadline) {
      const behind = streams.filter((stream) => stream.characters < characters).length;
      throw new Error(`${behind} raw socket(s) still short of ${characters} characters after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The committed AGENT messages of every discussion the group watched, read over HTTP once the measuring is over. */
async function readContents(httpUrl: string, streams: readonly LiveStream[]): Promise<Map<string, Map<string, string>>> {
  const ids = [...new Set(streams.map((stream) => stream.discussionId))];
  const transcripts = await Promise.all(ids.map((id) => readTranscript(httpUrl, id)));
  return new Map(
    ids.map((id, position) => [
      id,
      new Map((transcripts[position] ?? []).filter((message) => message.role === 'AGENT').map((message) => [message.id, message.content])),
    ]),
  );
}

async function report(input: {
  group: string;
  expect: { kind: 'transcripts'; httpUrl: string } | { kind: 'published'; charactersPerChannel: number };
}): Promise<GroupReport> {
  const group = groupOf(input.group);
  const expectation: Expectation =
    input.expect.kind === 'transcripts'
      ? { kind: 'transcripts', contents: await readContents(input.expect.httpUrl, group.streams) }
      : input.expect;
  return analyseGroup(group.streams, { markAt: group.markAt, expectation, reference: group.reference, problems: group.problems });
}

async function closeGroup(name: string): Promise<void> {
  const group = groups.get(name);
  groups.delete(name);
  if (!group) return;
  await Promise.all(group.streams.map((stream) => stream.dispose()));
  await group.reference?.close();
}

/** What a command that only acts answers. */
const done = {};

serveCommands(
  [
    handle(clientCommands.openService, (input) => {
      openService(input);
      return done;
    }),
    handle(clientCommands.openRaw, async (input) => {
      await openRaw(input);
      return done;
    }),
    handle(clientCommands.reference, async ({ group, redisUrl, pattern }) => {
      groupOf(group).reference = await openReference(redisUrl, pattern);
      return done;
    }),
    handle(clientCommands.mark, ({ group }) => {
      groupOf(group).markAt = performance.now();
      return done;
    }),
    handle(clientCommands.awaitService, async (input) => {
      await awaitService(input);
      return done;
    }),
    handle(clientCommands.awaitRaw, async (input) => {
      await awaitRaw(input);
      return done;
    }),
    handle(clientCommands.report, report),
    handle(clientCommands.closeGroup, async ({ group }) => {
      await closeGroup(group);
      return done;
    }),
    handle(clientCommands.openSlow, async (input) => {
      slow =
        input.kind === 'service'
          ? await openSlowServiceClient(input.wsUrl, input.discussionIds)
          : await openSlowRawClient(input.wsUrl, input.channel);
      return { localPort: slow.localPort };
    }),
    handle(clientCommands.finishSlow, async (input) => {
      if (!slow) throw new Error('no slow client is open');
      const outcome = await slow.finish(input);
      slow = undefined;
      return outcome;
    }),
  ],
  async () => {
    await Promise.all([...groups.keys()].map(closeGroup));
  },
);
