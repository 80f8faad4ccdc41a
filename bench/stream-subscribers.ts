/** The subscribers of the streaming benchmark's client process: graphql-ws, bare ws, and the plain Redis reference. */
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { openLeanSocket, type TokenSink } from './lean-graphql-ws.js';
import type { ReceivedStream, Receipt, ReferenceFrame, ReferenceView } from './stream-analysis.js';
import type { Outcome } from './subscribers.js';
import { TOKEN_SUBSCRIPTION } from './subscribers.js';
import { discussionOfChannel, messageText, parseTokenFrame, type TokenFields } from './token-frames.js';

/** A subscriber's receipts, kept as they come. */
export interface LiveStream extends ReceivedStream {
  /** Characters received so far. */
  readonly characters: number;
  /** Service: the subscription completed or failed. Raw: the socket closed. */
  readonly done: Promise<Outcome>;
  dispose(): Promise<void>;
}

function createRecorder(discussionId: string) {
  const receipts = new Map<string, Receipt[]>();
  let events = 0;
  let characters = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    record({ messageId, index, delta }: Pick<TokenFields, 'messageId' | 'index' | 'delta'>, at: number) {
      const list = receipts.get(messageId);
      if (list) list.push({ index, delta, at });
      else receipts.set(messageId, [{ index, delta, at }]);
      events += 1;
      characters += delta.length;
      lastAt = at;
    },
    view(done: Promise<Outcome>, dispose: () => Promise<void>): LiveStream {
      return {
        discussionId,
        receipts,
        get events() {
          return events;
        },
        get characters() {
          return characters;
        },
        get lastAt() {
          return lastAt;
        },
        done,
        dispose,
      };
    },
  };
}

/** One graphql-ws socket subscribed to tokenStreamed of each discussion: one stream per discussion. */
export function openServiceSocket(wsUrl: string, discussionIds: readonly string[]): LiveStream[] {
  const streams = discussionIds.map((discussionId) => {
    const recorder = createRecorder(discussionId);
    let settle: (outcome: Outcome) => void = () => {};
    const done = new Promise<Outcome>((resolve) => (settle = resolve));
    const sink: TokenSink = { next: (token, at) => recorder.record(token, at), settle: (outcome) => settle(outcome) };
    return { discussionId, recorder, done, sink };
  });
  const socket = openLeanSocket(
    wsUrl,
    streams.map(({ discussionId, sink }) => ({ query: TOKEN_SUBSCRIPTION, variables: { id: discussionId }, sink })),
  );
  let closed: Promise<void> | undefined;
  const dispose = () => (closed ??= socket.close());
  return streams.map(({ recorder, done }) => recorder.view(done, dispose));
}

const isReady = (text: string): boolean => text === '{"type":"ready"}';

/** A bare ws socket on the raw broadcaster's channel; resolves once the broadcaster says the channel is live. */
export async function openRawSocket(wsUrl: string, channel: string): Promise<LiveStream> {
  const recorder = createRecorder(discussionOfChannel(channel));
  const socket = new WebSocket(`${wsUrl}?channel=${encodeURIComponent(channel)}`);
  const done = new Promise<Outcome>((settle) => {
    socket.once('close', (code, reason) =>
      settle(code === 1000 ? { kind: 'complete' } : { kind: 'error', message: `closed ${code} ${String(reason)}` }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    // Kept for the socket's life: an error after the ready is seen by `done` through the close that follows.
    socket.on('error', reject);
    socket.on('message', (data) => {
      const at = performance.now();
      const text = messageText(data);
      const token = parseTokenFrame(text);
      if (token) recorder.record(token, at);
      else if (isReady(text)) resolve();
    });
  });
  return recorder.view(done, async () => {
    if (socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close(1000);
    await closed;
  });
}

export interface Reference extends ReferenceView {
  close(): Promise<void>;
}

/**
 * A plain ioredis subscriber in the clients' process on every channel of the
 * pattern: when each raw token frame reaches this process. The service's own
 * subscriber connection makes the same hop from Redis.
 */
export async function openReference(redisUrl: string, pattern: string): Promise<Reference> {
  const redis = new Redis(redisUrl, { connectionName: 'bench-stream-reference', lazyConnect: true });
  redis.on('error', (error: Error) => console.error(`stream clients: redis reference: ${error.message}`));
  const frames = new Map<string, ReferenceFrame[]>();
  const messagesOf = new Map<string, Set<string>>();
  let count = 0;
  let characters = 0;
  let firstAt = Number.NaN;
  let lastAt = Number.NaN;
  redis.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const at = performance.now();
    const token = parseTokenFrame(message);
    if (!token) return;
    count += 1;
    characters += token.delta.length;
    if (count === 1) firstAt = at;
    lastAt = at;
    const list = frames.get(token.messageId);
    const frame = { index: token.index, length: token.delta.length, at };
    if (list) list.push(frame);
    else {
      frames.set(token.messageId, [frame]);
      const messages = messagesOf.get(token.discussionId) ?? new Set<string>();
      messages.add(token.messageId);
      messagesOf.set(token.discussionId, messages);
    }
  });
  await redis.connect();
  await redis.psubscribe(pattern);
  return {
    frames,
    messagesOf,
    get count() {
      return count;
    },
    get characters() {
      return characters;
    },
    get firstAt() {
      return firstAt;
    },
    get lastAt() {
      return lastAt;
    },
    async close() {
      await redis.quit();
    },
  };
}
