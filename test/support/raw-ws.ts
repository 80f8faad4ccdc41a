import WebSocket from 'ws';
import { Collector } from './collector.js';

export interface RawMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/**
 * A graphql-transport-ws socket driven by hand, for what a well-behaved
 * client never sends: huge frames, a thousand subscriptions, broken queries.
 */
export async function rawSocket(httpUrl: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
  const messages = new Collector<RawMessage>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      messages.complete();
      resolve({ code, reason: reason.toString('utf8') });
    }),
  );
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as RawMessage));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    send: (text: string) => socket.send(text),
    /** Sends connection_init and resolves on the ack; rejects if the server closes instead. */
    async init(payload: Record<string, unknown>): Promise<void> {
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
      await messages.waitFor((received) => received.some((message) => message.type === 'connection_ack'), { what: 'connection_ack' });
    },
    closed: () => closed,
    /** Resolves with every message received so far once `predicate` holds for them. */
    waitFor: (predicate: (received: RawMessage[]) => boolean) => messages.waitFor(predicate, { timeoutMs: 20_000 }),
    isOpen: () => socket.readyState === WebSocket.OPEN,
    close: () => socket.close(),
  };
}
