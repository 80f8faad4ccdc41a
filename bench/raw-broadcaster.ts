/**
 * The raw baseline of the streaming benchmark (bench/streaming.ts), alone in its
 * process: a bare ioredis subscriber that forwards each message of a channel,
 * as it came, to the bare `ws` sockets of that channel; no parsing, no GraphQL,
 * no protection against a slow reader. Beside it, the raw publisher (as the
 * service's engine publishes from the service's process). A socket names its
 * channel in the query string (`/?channel=…`) and gets `{"type":"ready"}` once
 * the channel's SUBSCRIBE is confirmed. Driven over IPC; REDIS_URL names Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { takeGcPauses, watchGcPauses } from './gc-pauses.js';
import { handle, serveCommands } from './ipc.js';
import { readMemory } from './process-memory.js';
import { broadcasterCommands, type PublishResult } from './stream-protocol.js';
import { countWords, discussionOfChannel, rawFrame } from './token-frames.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const READY = JSON.stringify({ type: 'ready' });

const subscriber = new Redis(redisUrl, { connectionName: 'bench-raw-subscriber', lazyConnect: true });
const publisher = new Redis(redisUrl, { connectionName: 'bench-raw-publisher', lazyConnect: true });
const sockets = new Map<string, Set<WebSocket>>();
const subscribed = new Map<string, Promise<unknown>>();
let server: WebSocketServer | undefined;
watchGcPauses();

for (const [name, connection] of [
  ['subscriber', subscriber],
  ['publisher', publisher],
] as const) {
  connection.on('error', (error: Error) => console.error(`raw broadcaster: redis ${name}: ${error.message}`));
}

subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
  for (const socket of sockets.get(channel.toString()) ?? []) socket.send(message, { binary: false });
});

function join(socket: WebSocket, channel: string): void {
  const members = sockets.get(channel) ?? new Set<WebSocket>();
  members.add(socket);
  sockets.set(channel, members);
  const confirmed = subscribed.get(channel) ?? subscriber.subscribe(channel);
  subscribed.set(channel, confirmed);
  confirmed.then(
    () => socket.send(READY),
    () => socket.close(1011, 'subscribe failed'),
  );
  socket.on('close', () => {
    members.delete(socket);
    // Stopping: the subscriber connection is closing with everything else.
    if (members.size > 0 || !server) return;
    sockets.delete(channel);
    subscribed.delete(channel);
    void subscriber.unsubscribe(channel).catch(() => {});
  });
}

async function start(): Promise<{ url: string }> {
  await Promise.all([subscriber.connect(), publisher.connect()]);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server = wss;
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket, request) => {
    const channel = new URL(request.url ?? '/', 'ws://raw').searchParams.get('channel');
    if (channel) join(socket, channel);
    else socket.close(1008, 'name a channel: /?channel=…');
  });
  const address = wss.address();
  if (typeof address !== 'object' || address === null) throw new Error('the raw broadcaster is not on a TCP port');
  return { url: `ws://127.0.0.1:${address.port}/` };
}

/** Frames of one channel a burst keeps in flight: PUBLISHes written back to back, as a pipeline. */
const BURST_WINDOW = 16;

/** Publishes frames `from` to `to` (exclusive) of a channel in order, up to `window` PUBLISHes in flight, and tallies them. */
async function publishFrames(
  channel: string,
  from: number,
  to: number,
  tally: PublishResult,
  wordsPerFrame = 1,
  window = 1,
): Promise<void> {
  const discussionId = discussionOfChannel(channel);
  for (let first = from; first < to; first += window) {
    const batch = Array.from({ length: Math.min(window, to - first) }, (_, offset) =>
      rawFrame(discussionId, first + offset, wordsPerFrame),
    );
    await Promise.all(batch.map(({ json }) => publisher.publish(channel, json)));
    for (const { delta } of batch) {
      tally.frames += 1;
      tally.characters += delta.length;
      tally.words += countWords(delta);
    }
  }
}

async function burst({ channels, framesPerChannel }: { channels: string[]; framesPerChannel: number }): Promise<PublishResult> {
  const tally: PublishResult = { frames: 0, characters: 0, words: 0 };
  await Promise.all(channels.map((channel) => publishFrames(channel, 0, framesPerChannel, tally, 1, BURST_WINDOW)));
  return tally;
}

/**
 * Publishes each channel's frames at `framesPerSecond`: every tick (10 ms, or one frame's time if longer) it sends
 * the frames due by then, so a late timer is caught up rather than slowing the rate. Channels start spread over a tick.
 */
async function paced(input: { channels: string[]; framesPerChannel: number; framesPerSecond: number; wordsPerFrame: number }) {
  const { channels, framesPerChannel, framesPerSecond, wordsPerFrame } = input;
  const tickMs = Math.max(10, 1000 / framesPerSecond);
  const tally: PublishResult = { frames: 0, characters: 0, words: 0 };
  const pace = async (channel: string) => {
    const startAt = performance.now() + Math.random() * tickMs;
    let sent = 0;
    while (sent < framesPerChannel) {
      const elapsed = performance.now() - startAt;
      const due = Math.min(framesPerChannel, Math.floor((Math.max(0, elapsed) * framesPerSecond) / 1000) + 1);
      if (due > sent) {
        await publishFrames(channel, sent, due, tally, wordsPerFrame);
        sent = due;
      }
      await sleep(Math.max(0, startAt + (sent * 1000) / framesPerSecond - performance.now()));
    }
  };
  await Promise.all(channels.map(pace));
  return tally;
}

async function stop(): Promise<object> {
  const wss = server;
  server = undefined;
  if (wss) {
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
  if (subscriber.status === 'ready') await subscriber.quit();
  if (publisher.status === 'ready') await publisher.quit();
  return {};
}

serveCommands(
  [
    handle(broadcasterCommands.start, start),
    handle(broadcasterCommands.burst, burst),
    handle(broadcasterCommands.paced, paced),
    handle(broadcasterCommands.memory, ({ gc }) => readMemory(gc)),
    handle(broadcasterCommands.gcPauses, takeGcPauses),
    handle(broadcasterCommands.stop, stop),
  ],
  async () => {
    await stop();
  },
);
