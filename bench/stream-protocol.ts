/** The commands the streaming benchmark sends to its spawned processes, and what they answer. */
import { z } from 'zod';
import { command } from './ipc.js';

const none = z.object({});

/** Bytes: resident set, V8 heap in use, and memory outside the heap (Buffers: socket write queues). */
const memorySchema = z.object({ rss: z.number(), heapUsed: z.number(), external: z.number() });
export type MemoryFigures = z.output<typeof memorySchema>;

/** The process' memory; with `gc`, after full collections (the process runs with --expose-gc). */
export const memoryCommand = command('memory', z.object({ gc: z.boolean() }), memorySchema);
const start = command('start', none, z.object({ url: z.string() }));

const gcPausesSchema = z.object({
  minor: z.object({ count: z.number(), p50: z.number(), p99: z.number(), max: z.number(), totalMs: z.number() }),
  otherMs: z.number(),
  loopDelay: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
});
/** The process' GC pauses since the last such command (bench/gc-pauses.ts), and a fresh start. */
export const gcPausesCommand = command('gcPauses', none, gcPausesSchema);
const stop = command('stop', none, none);

/** bench/stream-server.ts: the service, built from src/app.ts, alone in its process. */
export const serverCommands = {
  start,
  /** Resolves once every discussion has at least `count` live subscriptions in the server. */
  whenListening: command('whenListening', z.object({ discussionIds: z.array(z.string()), count: z.number() }), none),
  memory: memoryCommand,
  gcPauses: gcPausesCommand,
  stop,
};

const publishResultSchema = z.object({ frames: z.number(), characters: z.number(), words: z.number() });
export type PublishResult = z.output<typeof publishResultSchema>;

/** bench/raw-broadcaster.ts: a bare ioredis subscriber forwarding to bare ws sockets, and the raw publisher beside it. */
export const broadcasterCommands = {
  start,
  /** Publishes `framesPerChannel` token frames on every channel as fast as it can (16 PUBLISHes in flight per channel). */
  burst: command('burst', z.object({ channels: z.array(z.string()), framesPerChannel: z.number() }), publishResultSchema),
  /** Publishes `framesPerChannel` frames of `wordsPerFrame` words on every channel at `framesPerSecond` per channel. */
  paced: command(
    'paced',
    z.object({ channels: z.array(z.string()), framesPerChannel: z.number(), framesPerSecond: z.number(), wordsPerFrame: z.number() }),
    publishResultSchema,
  ),
  memory: memoryCommand,
  gcPauses: gcPausesCommand,
  stop,
};

const latencySchema = z.object({ count: z.number(), p50: z.number(), p99: z.number(), max: z.number() });

const groupReportSchema = z.object({
  subscribers: z.number(),
  /** Frames or graphql-ws `next` messages received, summed over subscribers. */
  events: z.number(),
  /** Characters and whitespace-separated words of the text received, summed over subscribers. */
  characters: z.number(),
  words: z.number(),
  /** From the `mark` command to the last receipt, in the clients' clock. */
  windowMs: z.number(),
  /** Text received (the longest prefix that matches) over text expected, summed over subscribers. */
  deliveredFraction: z.number(),
  /** (subscriber, message) pairs whose deltas in index order differ from the expected text. */
  mismatches: z.number(),
  /** The same (message, index) received twice by one subscriber. */
  duplicates: z.number(),
  /** Messages whose tokens arrived but were never committed: restarted turns, or turns cut off by a timeout. */
  uncommittedMessages: z.number(),
  /** Receipt time minus the plain Redis subscriber's arrival time, per raw frame; only with a reference. */
  latency: latencySchema.optional(),
  /** Raw frames (seen by the reference) whose text a subscriber never received. */
  unmatchedFrames: z.number(),
  /** Raw token frames the reference saw, their characters, and over how long (first to last). */
  referenceFrames: z.number(),
  referenceCharacters: z.number(),
  referenceSpanMs: z.number(),
  problems: z.array(z.string()),
});
export type GroupReport = z.output<typeof groupReportSchema>;

/** How a group's received text is checked. */
const expectationSchema = z.discriminatedUnion('kind', [
  /** Against every discussion's committed AGENT messages, read over HTTP. */
  z.object({ kind: z.literal('transcripts'), httpUrl: z.string() }),
  /** Against what the raw publisher sent: characters per channel. */
  z.object({ kind: z.literal('published'), charactersPerChannel: z.number() }),
]);

const slowOutcomeSchema = z.object({
  /** The close code once reading resumed; null while still open at the end. */
  closeCode: z.number().nullable(),
  closeReason: z.string(),
  /** What was waiting for the client when it resumed reading (message payload bytes). */
  bytesDrained: z.number(),
  drainMs: z.number(),
});
export type SlowOutcome = z.output<typeof slowOutcomeSchema>;

const group = z.string();

/** bench/stream-clients.ts: every subscriber of the benchmark, in a process of its own. */
export const clientCommands = {
  /** tokenStreamed subscribers over graphql-ws: `perDiscussion` sockets each subscribed to every discussion, or one socket per subscription. */
  openService: command(
    'openService',
    z.object({
      group,
      wsUrl: z.string(),
      discussionIds: z.array(z.string()),
      perDiscussion: z.number(),
      socketPerSubscription: z.boolean(),
    }),
    none,
  ),
  /** Bare ws sockets on the raw broadcaster, `perChannel` per channel; resolves once every one is ready. */
  openRaw: command('openRaw', z.object({ group, wsUrl: z.string(), channels: z.array(z.string()), perChannel: z.number() }), none),
  /** A plain ioredis subscriber on `pattern`: the time each raw token frame reaches this process. */
  reference: command('reference', z.object({ group, redisUrl: z.string(), pattern: z.string() }), none),
  /** The start of the group's measuring window. */
  mark: command('mark', z.object({ group }), none),
  /** Resolves once every subscription of these discussions (default: all of the group's) has completed. */
  awaitService: command('awaitService', z.object({ group, discussionIds: z.array(z.string()).optional(), timeoutMs: z.number() }), none),
  /** Resolves once every raw socket of the group has received `characters` characters of text. */
  awaitRaw: command('awaitRaw', z.object({ group, characters: z.number(), timeoutMs: z.number() }), none),
  report: command('report', z.object({ group, expect: expectationSchema }), groupReportSchema),
  closeGroup: command('closeGroup', z.object({ group }), none),
  /** One subscriber that reads nothing: it subscribes, then pauses its TCP socket. */
  openSlow: command(
    'openSlow',
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('service'), wsUrl: z.string(), discussionIds: z.array(z.string()) }),
      z.object({ kind: z.literal('raw'), wsUrl: z.string(), channel: z.string() }),
    ]),
    /** The client's end of the connection, to watch the server's end by. */
    z.object({ localPort: z.number() }),
  ),
  /** Resumes reading the slow socket; how it ended, or that it was still open after `quietMs` without data. */
  finishSlow: command('finishSlow', z.object({ quietMs: z.number(), maxMs: z.number() }), slowOutcomeSchema),
};
