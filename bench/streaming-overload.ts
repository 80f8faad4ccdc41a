/**
 * Part 3 of the streaming benchmark: one subscriber that reads nothing (its TCP
 * socket paused) on busy discussions for `slowMs`, while `watchers` normal
 * subscribers watch them; the server's RSS every second, and how the slow
 * socket ended. One MOCK discussion is too slow a stream (a few KB/s) to get
 * past the kernel's socket buffers in a minute, so `discussions` lanes run at
 * once, each a chain of 50-round discussions at MOCK_TOKEN_DELAY_MS=0 started
 * one after another; the slow socket and each watcher (one socket each) hold a
 * tokenStreamed subscription on every discussion of the chains from the start.
 * Then the raw broadcaster, which has no protection, with the same bytes: one
 * channel at the service's frame rate and frame size.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDiscussion, stopDiscussion } from './graphql-http.js';
import type { RssSeries } from './process-memory.js';
import { escapeGlob, withTimeout } from './stats.js';
import {
  broadcasterCommands,
  clientCommands,
  memoryCommand,
  serverCommands,
  type GroupReport,
  type MemoryFigures,
  type SlowOutcome,
} from './stream-protocol.js';
import { createDiscussions } from './streaming-flow.js';
import {
  recordSideRss,
  withBroadcaster,
  withLoad,
  withService,
  type LoadSpan,
  type SideRun,
  type StreamingContext,
} from './streaming-processes.js';
import { watchServerSide } from './tcp-state.js';
import { discussionChannel, discussionChannelPattern, RAW_CHARACTERS_PER_WORD } from './token-frames.js';

export interface OverloadOptions {
  slowMs: number;
  watchers: number;
  /** Discussions streaming at once. */
  discussions: number;
}

export interface OverloadSide {
  /** How long the busy stream ran. */
  durationMs: number;
  /** Raw token frames published on the busy channel(s) meanwhile, and their text's characters. */
  frames: number;
  characters: number;
  rss: RssSeries;
  /** Memory after full collections before the stream and at its end (before the slow socket reads): what is retained. */
  retained: { before: MemoryFigures; after: MemoryFigures };
  load: LoadSpan;
  slow: SlowOutcome;
  /** When the server closed its end of the slow socket (seen in /proc/net/tcp), in ms from the start. */
  serverSide: { closedAfterMs?: number; state?: string };
  /** What the normal watchers received. */
  watchers: GroupReport;
}

export interface OverloadResult {
  service: OverloadSide;
  raw: OverloadSide;
}

/** The most subscriptions one socket may hold (the service's default MAX_SUBSCRIPTIONS_PER_SOCKET). */
const MAX_SUBSCRIPTIONS = 100;
const ROUNDS = 50;
const DRAIN = { quietMs: 2_000, maxMs: 60_000 };

/** Starts the chain's discussions one after another until the deadline; stops the one running then. */
async function runChain(context: StreamingContext, side: SideRun, group: string, ids: readonly string[], deadline: number): Promise<void> {
  const { clients, timeoutMs } = context;
  for (const id of ids) {
    if (performance.now() >= deadline) return;
    await startDiscussion(side.httpUrl, id);
    const ended = clients.request(clientCommands.awaitService, {
      group,
      discussionIds: [id],
      timeoutMs: timeoutMs + (deadline - performance.now()),
    });
    const finished = await Promise.race([ended.then(() => true), sleep(Math.max(0, deadline - performance.now())).then(() => false)]);
    if (finished) continue;
    // It may have completed meanwhile (stopping it then is a CONFLICT); its subscriptions end either way.
    await stopDiscussion(side.httpUrl, id).catch(() => {});
    await ended;
    return;
  }
}

async function runServiceOverload(context: StreamingContext, options: OverloadOptions): Promise<OverloadSide> {
  const { clients, timeoutMs } = context;
  return withService(context, { MOCK_TOKEN_DELAY_MS: '0' }, async (side) => {
    const group = 'overload:service';
    const lanes = Math.min(MAX_SUBSCRIPTIONS, options.discussions);
    const ids = await createDiscussions(side.httpUrl, lanes * Math.floor(MAX_SUBSCRIPTIONS / lanes), ROUNDS, 'Streaming overload');
    const chains = Array.from({ length: lanes }, (_, lane) => ids.filter((_, position) => position % lanes === lane));
    try {
      const pattern = discussionChannelPattern(escapeGlob(context.keyPrefix));
      await clients.request(clientCommands.reference, { group, redisUrl: context.redisUrl, pattern });
      await clients.request(clientCommands.openService, {
        group,
        wsUrl: side.wsUrl,
        discussionIds: ids,
        perDiscussion: options.watchers,
        socketPerSubscription: false,
      });
      const { localPort } = await clients.request(clientCommands.openSlow, { kind: 'service', wsUrl: side.wsUrl, discussionIds: ids });
      const listening = side.handle.request(serverCommands.whenListening, { discussionIds: ids, count: options.watchers + 1 });
      await withTimeout(listening, timeoutMs, 'subscribing to the service');
      const before = await side.handle.request(memoryCommand, { gc: true });
      const rss = await recordSideRss(side);
      const serverEnd = watchServerSide(Number(new URL(side.wsUrl).port), localPort);
      const startedAt = performance.now();
      const { load } = await withLoad(async () => {
        await clients.request(clientCommands.mark, { group });
        await Promise.all(chains.map((chain) => runChain(context, side, group, chain, startedAt + options.slowMs)));
      });
      const durationMs = performance.now() - startedAt;
      const rssSeries = await rss.stop();
      const serverSide = serverEnd.stop();
      const after = await side.handle.request(memoryCommand, { gc: true });
      const slow = await clients.request(clientCommands.finishSlow, DRAIN);
      const watchers = await clients.request(clientCommands.report, { group, expect: { kind: 'transcripts', httpUrl: side.httpUrl } });
      const { referenceFrames: frames, referenceCharacters: characters } = watchers;
      return { durationMs, frames, characters, rss: rssSeries, retained: { before, after }, load, slow, serverSide, watchers };
    } finally {
      await clients.request(clientCommands.closeGroup, { group });
    }
  });
}

/** How the raw publisher matches the service's stream: frames per second and characters per frame. */
function matchPace(service: OverloadSide) {
  const framesPerSecond = service.durationMs > 0 ? Math.max(1, (service.frames * 1000) / service.durationMs) : 1;
  const charactersPerFrame = service.frames > 0 ? service.characters / service.frames : 0;
  const wordsPerFrame = Math.max(1, Math.round(charactersPerFrame / RAW_CHARACTERS_PER_WORD));
  const framesPerChannel = Math.max(1, Math.round((framesPerSecond * service.durationMs) / 1000));
  return { framesPerChannel, framesPerSecond, wordsPerFrame };
}

/** The raw side with the service's bytes: one channel at the service's frame rate and frame size, for as long. */
async function runRawOverload(context: StreamingContext, options: OverloadOptions, service: OverloadSide): Promise<OverloadSide> {
  const { clients, timeoutMs } = context;
  const pace = matchPace(service);
  return withBroadcaster(context, async (side) => {
    const group = 'overload:raw';
    const channel = discussionChannel(`${context.keyPrefix}raw:`, randomUUID());
    try {
      await clients.request(clientCommands.openRaw, { group, wsUrl: side.wsUrl, channels: [channel], perChannel: options.watchers });
      const { localPort } = await clients.request(clientCommands.openSlow, { kind: 'raw', wsUrl: side.wsUrl, channel });
      const before = await side.handle.request(memoryCommand, { gc: true });
      const rss = await recordSideRss(side);
      const serverEnd = watchServerSide(Number(new URL(side.wsUrl).port), localPort);
      const startedAt = performance.now();
      const { value: published, load } = await withLoad(async () => {
        await clients.request(clientCommands.mark, { group });
        const sent = await side.handle.request(broadcasterCommands.paced, { channels: [channel], ...pace });
        await clients.request(clientCommands.awaitRaw, { group, characters: sent.characters, timeoutMs });
        return sent;
      });
      const durationMs = performance.now() - startedAt;
      const rssSeries = await rss.stop();
      const serverSide = serverEnd.stop();
      const after = await side.handle.request(memoryCommand, { gc: true });
      const slow = await clients.request(clientCommands.finishSlow, DRAIN);
      const watchers = await clients.request(clientCommands.report, {
        group,
        expect: { kind: 'published', charactersPerChannel: published.characters },
      });
      const { frames, characters } = published;
      return { durationMs, frames, characters, rss: rssSeries, retained: { before, after }, load, slow, serverSide, watchers };
    } finally {
      await clients.request(clientCommands.closeGroup, { group });
    }
  });
}

export async function runOverload(context: StreamingContext, options: OverloadOptions): Promise<OverloadResult> {
  const service = await runServiceOverload(context, options);
  const raw = await runRawOverload(context, options, service);
  return { service, raw };
}
