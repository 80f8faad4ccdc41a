/**
 * The graphql-transport-ws protocol over a bare `ws` socket, for the streaming
 * benchmark's clients: one JSON.parse per message and a few field checks, as the
 * raw baseline's clients read their frames. With graphql-ws' own client (message
 * validation, sinks, promise plumbing per message) the clients' process, which
 * is near saturation in the latency part, would add more to the service's side
 * of the comparison than to the raw side's.
 */
import { WebSocket } from 'ws';
import type { Outcome } from './subscribers.js';
import { messageText, type TokenFields } from './token-frames.js';

export type StreamedToken = Pick<TokenFields, 'messageId' | 'index' | 'delta'>;

/** Where one subscription's tokens and end go. */
export interface TokenSink {
  next(token: StreamedToken, at: number): void;
  settle(outcome: Outcome): void;
}

export interface LeanSubscription {
  query: string;
  variables: Record<string, unknown>;
  sink: TokenSink;
}

type ServerMessage =
  | { type: 'connection_ack' | 'ping' | 'pong' }
  | { type: 'next'; id: string; token: StreamedToken | undefined }
  | { type: 'error' | 'complete'; id: string; detail: string };

function tokenOf(payload: unknown): StreamedToken | undefined {
  if (typeof payload !== 'object' || payload === null || !('data' in payload)) return undefined;
  const { data } = payload;
  if (typeof data !== 'object' || data === null || !('tokenStreamed' in data)) return undefined;
  const token = data.tokenStreamed;
  if (typeof token !== 'object' || token === null) return undefined;
  if (!('messageId' in token) || typeof token.messageId !== 'string') return undefined;
  if (!('index' in token) || typeof token.index !== 'number') return undefined;
  if (!('delta' in token) || typeof token.delta !== 'string') return undefined;
  return { messageId: token.messageId, index: token.index, delta: token.delta };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readServerMessage(text: string): ServerMessage | undefined {
  const value = parseJson(text);
  if (typeof value !== 'object' || value === null || !('type' in value) || typeof value.type !== 'string') return undefined;
  const { type } = value;
  if (type === 'connection_ack' || type === 'ping' || type === 'pong') return { type };
  const id = 'id' in value && typeof value.id === 'string' ? value.id : '';
  const payload = 'payload' in value ? value.payload : undefined;
  if (type === 'next') return { type, id, token: tokenOf(payload) };
  if (type === 'error' || type === 'complete') return { type, id, detail: JSON.stringify(payload ?? null) };
  return undefined;
}

/** Opens a socket, subscribes every subscription once acknowledged, and feeds their sinks; `close` ends it. */
export function openLeanSocket(wsUrl: string, subscriptions: readonly LeanSubscription[]): { close(): Promise<void> } {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const open = new Set(subscriptions.keys());
  const settle = (position: number, outcome: Outcome) => {
    if (!open.delete(position)) return;
    subscriptions[position]?.sink.settle(outcome);
  };
  const handle = (message: ServerMessage, at: number) => {
    switch (message.type) {
      case 'connection_ack':
        subscriptions.forEach(({ query, variables }, position) =>
          socket.send(JSON.stringify({ id: String(position), type: 'subscribe', payload: { query, variables } })),
        );
        return;
      case 'ping':
        socket.send(JSON.stringify({ type: 'pong' }));
        return;
      case 'pong':
        return;
      case 'next': {
        const position = Number(message.id);
        if (message.token) subscriptions[position]?.sink.next(message.token, at);
        else settle(position, { kind: 'error', message: 'a next message without tokenStreamed data' });
        return;
      }
      case 'error':
        settle(Number(message.id), { kind: 'error', message: `error message: ${message.detail}` });
        return;
      case 'complete':
        settle(Number(message.id), { kind: 'complete' });
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unknown message ${JSON.stringify(unknown)}`);
      }
    }
  };
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('message', (data) => {
    const at = performance.now();
    const message = readServerMessage(messageText(data));
    if (message) handle(message, at);
  });
  socket.on('close', (code, reason) => {
    for (const position of [...open]) settle(position, { kind: 'error', message: `socket closed ${code} ${String(reason)}`.trim() });
  });
  // An error closes the socket; the close settles what is open.
  socket.on('error', () => {});

  return {
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close(1000);
      await closed;
    },
  };
}
