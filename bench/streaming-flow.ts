/**
 * Parts 1 and 2 of the streaming benchmark: K discussions x S tokenStreamed
 * subscribers on the service, then the same shape on the raw baseline (K
 * channels x S bare ws sockets) carrying the same amount of text, one word per
 * frame. Part 1 streams as fast as it can (MOCK_TOKEN_DELAY_MS=0, a burst on
 * the raw side); part 2 at one word per `tokenDelayMs` per discussion, with a
 * plain Redis reference in the clients' process to measure added latency.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMockDiscussion, startDiscussion } from './graphql-http.js';
import type { RssSeries } from './process-memory.js';
import { escapeGlob, withTimeout, type BenchSetting } from './stats.js';
import type { GcPauses } from './gc-pauses.js';
import {
  broadcasterCommands,
  clientCommands,
  gcPausesCommand,
  serverCommands,
  type GroupReport,
  type PublishResult,
} from './stream-protocol.js';
import {
  recordSideRss,
  withBroadcaster,
  withCpu,
  withLoad,
  withService,
  type CpuSpan,
  type LoadSpan,
  type SideRun,
  type StreamingContext,
} from './streaming-processes.js';
import { discussionChannel, discussionChannelPattern } from './token-frames.js';

export interface FlowOptions {
  /** Names the clients' groups. */
  name: string;
  setting: BenchSetting;
  rounds: number;
  /** MOCK_TOKEN_DELAY_MS of the service, and the raw publisher's interval per channel; 0: as fast as each can. */
  tokenDelayMs: number;
  /** Measure latency against a plain Redis subscriber in the clients' process. */
  withReference: boolean;
  /**
   * Rounds of the same load each side runs first, unmeasured, in the process it
   * is then measured in: the JIT compiles the hot path, as in a server that has
   * been up a while. 0: measure a cold process.
   */
  warmUpRounds: number;
  /** Run turns in a worker process of their own (ROLE=worker) beside the API measured (ROLE=api). */
  workerProcess: boolean;
}

export interface FlowSide {
  report: GroupReport;
  load: LoadSpan;
  cpu: CpuSpan;
  /** The server's (or raw broadcaster's) RSS while the part ran. */
  rss: RssSeries;
  /** The server's (or raw broadcaster's) GC pauses while the part ran. */
  gc: GcPauses;
}

export interface FlowResult {
  service: FlowSide;
  raw: FlowSide;
  /** What the raw publisher sent, and how many frames per channel. */
  published: PublishResult;
  framesPerChannel: number;
}

export async function createDiscussions(httpUrl: string, count: number, rounds: number, label: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, (_, position) =>
      createMockDiscussion(httpUrl, `${label} #${position + 1}: how should a team adopt GraphQL?`, rounds),
    ),
  );
}

/** Runs `measure` between the clients' mark and their report, with RSS sampled and the load read around it. */
async function measureGroup(
  context: StreamingContext,
  side: SideRun,
  group: string,
  measure: () => Promise<void>,
  expect: { kind: 'transcripts'; httpUrl: string } | (() => { kind: 'published'; charactersPerChannel: number }),
): Promise<FlowSide> {
  const { clients } = context;
  const rss = await recordSideRss(side);
  const problems: string[] = [];
  await side.handle.request(gcPausesCommand, {});
  const { value: cpu, load } = await withLoad(async () => {
    await clients.request(clientCommands.mark, { group });
    const measured = await withCpu(side, clients, () =>
      measure().catch((error: unknown) => problems.push(error instanceof Error ? error.message : String(error))),
    );
    return measured.cpu;
  });
  const rssSeries = await rss.stop();
  const gc = await side.handle.request(gcPausesCommand, {});
  const report = await clients.request(clientCommands.report, { group, expect: typeof expect === 'function' ? expect() : expect });
  return { report: { ...report, problems: [...problems, ...report.problems] }, load, cpu, rss: rssSeries, gc };
}

/** Runs `run` with the clients' group, closed afterwards however `run` ends. */
async function withGroup<T>(context: StreamingContext, group: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    await context.clients.request(clientCommands.closeGroup, { group });
  }
}

/**
 * Starts each discussion at a random point of one token interval, as the raw publisher starts each
 * channel at a random point of its first tick: neither side's streams all tick at the same instant.
 */
function startSpread(httpUrl: string, ids: readonly string[], tokenDelayMs: number): Promise<unknown> {
  return Promise.all(
    ids.map(async (id) => {
      if (tokenDelayMs > 0) await sleep(Math.random() * tokenDelayMs);
      await startDiscussion(httpUrl, id);
    }),
  );
}

/** Opens S subscribers per discussion for the group, a socket each, and waits until the service has them all. */
async function subscribeService(context: StreamingContext, side: SideRun, group: string, ids: string[], subscribers: number) {
  await context.clients.request(clientCommands.openService, {
    group,
    wsUrl: side.wsUrl,
    discussionIds: ids,
    perDiscussion: subscribers,
    socketPerSubscription: true,
  });
  const listening = side.handle.request(serverCommands.whenListening, { discussionIds: ids, count: subscribers });
  await withTimeout(listening, context.timeoutMs, `subscribing the ${group} group to the service`);
}

/** The same discussions and subscribers, `warmUpRounds` rounds, run to their end and forgotten. */
async function warmUpService(context: StreamingContext, side: SideRun, options: FlowOptions): Promise<void> {
  const { clients, timeoutMs } = context;
  const { discussions, subscribers } = options.setting;
  const group = `${options.name}:service-warm-up`;
  const ids = await createDiscussions(side.httpUrl, discussions, options.warmUpRounds, `Warm-up ${options.name}`);
  await withGroup(context, group, async () => {
    await subscribeService(context, side, group, ids, subscribers);
    await startSpread(side.httpUrl, ids, options.tokenDelayMs);
    await clients.request(clientCommands.awaitService, { group, timeoutMs });
  });
}

async function runServiceFlow(context: StreamingContext, options: FlowOptions): Promise<FlowSide> {
  const { clients, timeoutMs } = context;
  const { discussions, subscribers } = options.setting;
  // Every discussion streams at once, as every raw channel does: turns in flight are not capped below that.
  const env = { MOCK_TOKEN_DELAY_MS: String(options.tokenDelayMs), WORKER_CONCURRENCY: String(Math.max(50, discussions)) };
  return withService(
    context,
    env,
    async (side) => {
      if (options.warmUpRounds > 0) await warmUpService(context, side, options);
      const group = `${options.name}:service`;
      const ids = await createDiscussions(side.httpUrl, discussions, options.rounds, `Streaming ${options.name}`);
      return withGroup(context, group, async () => {
        if (options.withReference) {
          const pattern = discussionChannelPattern(escapeGlob(context.keyPrefix));
          await clients.request(clientCommands.reference, { group, redisUrl: context.redisUrl, pattern });
        }
        await subscribeService(context, side, group, ids, subscribers);
        return measureGroup(
          context,
          side,
          group,
          async () => {
            await startSpread(side.httpUrl, ids, options.tokenDelayMs);
            await clients.request(clientCommands.awaitService, { group, timeoutMs });
          },
          { kind: 'transcripts', httpUrl: side.httpUrl },
        );
      });
    },
    { workerProcess: options.workerProcess },
  );
}

function publish(side: SideRun, options: FlowOptions, channels: string[], framesPerChannel: number): Promise<PublishResult> {
  if (options.tokenDelayMs === 0) return side.handle.request(broadcasterCommands.burst, { channels, framesPerChannel });
  const framesPerSecond = 1000 / options.tokenDelayMs;
  return side.handle.request(broadcasterCommands.paced, { channels, framesPerChannel, framesPerSecond, wordsPerFrame: 1 });
}

/** The same channels and sockets, `frames` frames each, delivered and forgotten. */
async function warmUpRaw(context: StreamingContext, side: SideRun, options: FlowOptions, rawPrefix: string, frames: number) {
  const { discussions, subscribers } = options.setting;
  const group = `${options.name}:raw-warm-up`;
  const channels = Array.from({ length: discussions }, () => discussionChannel(rawPrefix, randomUUID()));
  await withGroup(context, group, async () => {
    await context.clients.request(clientCommands.openRaw, { group, wsUrl: side.wsUrl, channels, perChannel: subscribers });
    const published = await publish(side, options, channels, frames);
    const characters = published.characters / discussions;
    await context.clients.request(clientCommands.awaitRaw, { group, characters, timeoutMs: context.timeoutMs });
  });
}

async function runRawFlow(
  context: StreamingContext,
  options: FlowOptions,
  framesPerChannel: number,
): Promise<{ side: FlowSide; published: PublishResult }> {
  const { clients, timeoutMs } = context;
  const { discussions, subscribers } = options.setting;
  return withBroadcaster(context, async (side) => {
    const rawPrefix = `${context.keyPrefix}raw:`;
    if (options.warmUpRounds > 0) {
      // As many frames as the service's warm-up streamed, in proportion to its rounds.
      const frames = Math.max(1, Math.round((framesPerChannel * options.warmUpRounds) / options.rounds));
      await warmUpRaw(context, side, options, rawPrefix, frames);
    }
    const group = `${options.name}:raw`;
    const channels = Array.from({ length: discussions }, () => discussionChannel(rawPrefix, randomUUID()));
    return withGroup(context, group, async () => {
      if (options.withReference) {
        const pattern = discussionChannelPattern(escapeGlob(rawPrefix));
        await clients.request(clientCommands.reference, { group, redisUrl: context.redisUrl, pattern });
      }
      await clients.request(clientCommands.openRaw, { group, wsUrl: side.wsUrl, channels, perChannel: subscribers });
      let published: PublishResult = { frames: 0, characters: 0, words: 0 };
      const measured = await measureGroup(
        context,
        side,
        group,
        async () => {
          published = await publish(side, options, channels, framesPerChannel);
          await clients.request(clientCommands.awaitRaw, { group, characters: published.characters / discussions, timeoutMs });
        },
        () => ({ kind: 'published', charactersPerChannel: published.characters / discussions }),
      );
      return { side: measured, published };
    });
  });
}

/** The service, then the raw baseline carrying as many words per channel as the service's subscribers received per discussion. */
export async function runFlow(context: StreamingContext, options: FlowOptions): Promise<FlowResult> {
  const service = await runServiceFlow(context, options);
  const { discussions, subscribers } = options.setting;
  const framesPerChannel = Math.max(1, Math.round(service.report.words / (discussions * subscribers)));
  const raw = await runRawFlow(context, options, framesPerChannel);
  return { service, raw: raw.side, published: raw.published, framesPerChannel };
}
