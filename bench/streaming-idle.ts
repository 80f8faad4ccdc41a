/**
 * Part 4 of the streaming benchmark: N idle tokenStreamed subscriptions (one
 * graphql-ws socket each) spread over discussions that were created and never
 * started, and the server's memory before and after, after full collections;
 * then the same N subscriptions with one socket per `discussions` of them, as
 * an app's graphql-ws client multiplexes its subscriptions on one socket, which
 * gives the cost of a subscription without its socket's; then N idle sockets
 * on the raw broadcaster. A few subscriptions are opened and closed first, so
 * code loaded on first use is not counted.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from './stats.js';
import { clientCommands, memoryCommand, serverCommands, type MemoryFigures } from './stream-protocol.js';
import { createDiscussions } from './streaming-flow.js';
import { withBroadcaster, withLoad, withService, type LoadSpan, type SideRun, type StreamingContext } from './streaming-processes.js';
import { discussionChannel } from './token-frames.js';

export interface IdleOptions {
  subscriptions: number;
  discussions: number;
}

export interface IdleSide {
  subscriptions: number;
  before: MemoryFigures;
  after: MemoryFigures;
  load: LoadSpan;
}

export interface IdleResult {
  /** A socket per subscription. */
  service: IdleSide;
  /** The same subscriptions, `subscriptionsPerSocket` on each socket. */
  multiplexed: IdleSide & { subscriptionsPerSocket: number };
  raw: IdleSide;
}

const WARM_UP_SUBSCRIPTIONS = 20;
/** Time for closed sockets of the warm-up to be let go by the server. */
const SETTLE_MS = 500;

/** Opens, then measures: memory after full collections before and after `open`. */
async function measureIdle(side: SideRun, subscriptions: number, open: () => Promise<void>): Promise<IdleSide> {
  const before = await side.handle.request(memoryCommand, { gc: true });
  const { load } = await withLoad(open);
  const after = await side.handle.request(memoryCommand, { gc: true });
  return { subscriptions, before, after, load };
}

async function runServiceIdle(context: StreamingContext, options: IdleOptions): Promise<Omit<IdleResult, 'raw'>> {
  const { clients, timeoutMs } = context;
  const perDiscussion = Math.max(1, Math.ceil(options.subscriptions / options.discussions));
  return withService(context, {}, async (side) => {
    const ids = await createDiscussions(side.httpUrl, options.discussions, 1, 'Streaming idle');
    const subscribe = async (group: string, discussionIds: string[], count: number, socketPerSubscription: boolean) => {
      await clients.request(clientCommands.openService, {
        group,
        wsUrl: side.wsUrl,
        discussionIds,
        perDiscussion: count,
        socketPerSubscription,
      });
      const listening = side.handle.request(serverCommands.whenListening, { discussionIds, count });
      await withTimeout(listening, timeoutMs, 'idle subscriptions to go live');
    };
    const closeGroup = async (group: string) => {
      await clients.request(clientCommands.closeGroup, { group });
      await sleep(SETTLE_MS);
    };
    await subscribe('idle:warm-up', ids.slice(0, WARM_UP_SUBSCRIPTIONS), 1, true);
    await closeGroup('idle:warm-up');
    const measureGroup = async (group: string, socketPerSubscription: boolean) => {
      try {
        return await measureIdle(side, perDiscussion * ids.length, () => subscribe(group, ids, perDiscussion, socketPerSubscription));
      } finally {
        await closeGroup(group);
      }
    };
    const service = await measureGroup('idle:service', true);
    const multiplexed = await measureGroup('idle:multiplexed', false);
    return { service, multiplexed: { ...multiplexed, subscriptionsPerSocket: ids.length } };
  });
}

async function runRawIdle(context: StreamingContext, options: IdleOptions): Promise<IdleSide> {
  const { clients } = context;
  const perChannel = Math.max(1, Math.ceil(options.subscriptions / options.discussions));
  return withBroadcaster(context, async (side) => {
    const channels = Array.from({ length: options.discussions }, () => discussionChannel(`${context.keyPrefix}raw:`, randomUUID()));
    const open = (group: string, which: string[], count: number) =>
      clients.request(clientCommands.openRaw, { group, wsUrl: side.wsUrl, channels: which, perChannel: count });
    await open('idle:raw-warm-up', channels.slice(0, WARM_UP_SUBSCRIPTIONS), 1);
    await clients.request(clientCommands.closeGroup, { group: 'idle:raw-warm-up' });
    await sleep(SETTLE_MS);
    try {
      return await measureIdle(side, perChannel * channels.length, async () => {
        await open('idle:raw', channels, perChannel);
      });
    } finally {
      await clients.request(clientCommands.closeGroup, { group: 'idle:raw' });
    }
  });
}

export async function runIdle(context: StreamingContext, options: IdleOptions): Promise<IdleResult> {
  const service = await runServiceIdle(context, options);
  const raw = await runRawIdle(context, options);
  return { ...service, raw };
}
