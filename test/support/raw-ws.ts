import WebSocket from 'ws';
import { z } from 'zod';
import { Collector } from './collector.js';

/** A graphql-transport-ws message; parsing keeps every key the server sent. */
export const rawMessageSchema = z.looseObject({ type: z.string(), id: z.string().optional(), payload: z.unknown().optional() });
export type RawMessage = z.output<typeof rawMessageSchema>;

function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** A frame's text, and the message it carries. */
export function readFrame(data: WebSocket.RawData): { text: string; message: RawMessage } {
  const text = frameText(data);
  return { text, message: rawMessageSchema.parse(JSON.parse(text)) };
}

/**
 * A graphql-transport-ws socket driven by hand, for what a well-behaved
 * client never sends: huge frames, a thousand subscriptions, broken queries.
 */
export async function rawSocket(httpUrl: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
  const messages = new Collector<RawMessage>();
  /** Each frame's text, in the order received (one per message). */
  const texts: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      messages.complete();
      resolve({ code, reason: reason.toString('utf8') });
    }),
  );
  socket.on('message', (data) => {
    const { text, message } = readFrame(data);
    texts.push(text);
    messages.push(message);
  });
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
    texts,
    /** Resolves with every message received so far once `predicate` holds for them. */
    waitFor: (predicate: (received: RawMessage[]) => boolean) => messages.waitFor(predicate, { timeoutMs: 20_000 }),
    isOpen: () => socket.readyState === WebSocket.OPEN,
    close: () => socket.close(),
  };
}

/** The HTTP status a WebSocket upgrade is refused with, or undefined when the socket opens (then it is closed). */
export function upgradeRefusal(httpUrl: string, headers: Record<string, string>): Promise<number | undefined> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (request, response) => {
      resolve(response.statusCode);
      request.destroy();
    });
    socket.once('open', () => {
      resolve(undefined);
      socket.close();
    });
    // After a refusal, ws reports the aborted handshake as an error: expected, not a failure.
    socket.on('error', (error) => reject(error));
  });
}
