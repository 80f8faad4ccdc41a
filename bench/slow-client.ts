/**
 * A subscriber that reads nothing: it subscribes like any other, then pauses
 * its TCP socket (ws's `pause()`), so whatever the server sends piles up in the
 * kernel's buffers and then in the server. Resumed at the end, it reports what
 * was waiting for it and how the server ended the connection.
 */
import { WebSocket, type RawData } from 'ws';
import { messageText } from './token-frames.js';
import type { SlowOutcome } from './stream-protocol.js';

export interface SlowClient {
  /** The client's end of the TCP connection. */
  readonly localPort: number;
  /** Resumes reading; resolves once the socket closed, or was quiet for `quietMs`, or after `maxMs`. */
  finish(options: { quietMs: number; maxMs: number }): Promise<SlowOutcome>;
}

const TOKEN_SUBSCRIPTION = 'subscription Tokens($id: ID!) { tokenStreamed(discussionId: $id) { messageId index delta } }';

function waitForMessage(socket: WebSocket, accept: (text: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: RawData) => {
      if (!accept(messageText(data))) return;
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    socket.once('close', (code) => reject(new Error(`socket closed ${code} before ${what}`)));
    socket.once('error', reject);
  });
}

/** Opens the socket; resolves with its TCP port once the upgrade is done. */
function connect(url: string, protocol?: string): { socket: WebSocket; opened: Promise<number> } {
  const socket = new WebSocket(url, protocol);
  const opened = new Promise<number>((resolve, reject) => {
    let localPort = -1;
    socket.once('upgrade', (response) => (localPort = response.socket.localPort ?? -1));
    socket.once('open', () => resolve(localPort));
    socket.once('error', reject);
  });
  return { socket, opened };
}

function pausedClient(socket: WebSocket, localPort: number): SlowClient {
  let closeCode: number | null = null;
  let closeReason = '';
  socket.once('close', (code, reason) => {
    closeCode = code;
    closeReason = String(reason);
  });
  socket.on('error', () => {});
  socket.pause();
  return {
    localPort,
    async finish({ quietMs, maxMs }) {
      let bytesDrained = 0;
      let lastDataAt = performance.now();
      socket.on('message', (data: RawData) => {
        bytesDrained += Buffer.byteLength(messageText(data));
        lastDataAt = performance.now();
      });
      const startedAt = performance.now();
      socket.resume();
      while (closeCode === null && performance.now() - lastDataAt < quietMs && performance.now() - startedAt < maxMs) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const outcome: SlowOutcome = { closeCode, closeReason, bytesDrained, drainMs: performance.now() - startedAt };
      socket.terminate();
      return outcome;
    },
  };
}

/** graphql-ws by hand over a bare socket: init, ack, one subscribe per discussion, then pause. */
export async function openSlowServiceClient(wsUrl: string, discussionIds: readonly string[]): Promise<SlowClient> {
  const { socket, opened } = connect(wsUrl, 'graphql-transport-ws');
  const localPort = await opened;
  const acknowledged = waitForMessage(socket, (text) => text.includes('"connection_ack"'), 'connection_ack');
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await acknowledged;
  discussionIds.forEach((id, position) => {
    socket.send(JSON.stringify({ id: String(position + 1), type: 'subscribe', payload: { query: TOKEN_SUBSCRIPTION, variables: { id } } }));
  });
  return pausedClient(socket, localPort);
}

/** A bare ws socket on a raw channel: waits for the broadcaster's ready, then pauses. */
export async function openSlowRawClient(wsUrl: string, channel: string): Promise<SlowClient> {
  const { socket, opened } = connect(`${wsUrl}?channel=${encodeURIComponent(channel)}`);
  const ready = waitForMessage(socket, (text) => text === '{"type":"ready"}', 'the channel was ready');
  const localPort = await opened;
  await ready;
  return pausedClient(socket, localPort);
}
