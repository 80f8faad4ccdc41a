import { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const FIN_TEXT = 0x81;
const LENGTH_16 = 126;
const LENGTH_64 = 127;

/**
 * The UTF-8 bytes of `text` in memory of their own. A small Buffer is otherwise
 * a slice of Node's shared 8 KiB pool, and keeps all of it alive for as long as
 * it lives: bytes kept for a while (a subscription's, a queued event's) must not.
 */
export function ownUtf8(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

/**
 * One unfragmented, unmasked WebSocket text frame (RFC 6455, section 5.2, as a
 * server sends it) whose payload is `parts` one after another, in one buffer:
 * header and payload go to the socket in one write, where ws's `send` makes two
 * (a writev of its header and the text), and no string is encoded per socket.
 * `pooled`: from Node's shared pool, for a frame written at once and forgotten;
 * a frame that will wait in a socket's backlog gets memory of its own (ownUtf8).
 */
export function textFrame(parts: readonly Buffer[], pooled: boolean): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const headerLength = length < LENGTH_16 ? 2 : length < 2 ** 16 ? 4 : 10;
  const frame = pooled ? Buffer.allocUnsafe(headerLength + length) : Buffer.allocUnsafeSlow(headerLength + length);
  frame[0] = FIN_TEXT;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = LENGTH_64;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let offset = headerLength;
  for (const part of parts) offset += part.copy(frame, offset);
  return frame;
}

/**
 * The TCP (or TLS) socket under a ws socket, where a frame written to it lands
 * in order with ws's own: none when ws may hold frames back (permessage-deflate
 * negotiated, its sender compressing) or keeps its socket elsewhere than in
 * `_socket`. ws sends as soon as asked otherwise (its sender queues only while
 * compressing or reading a Blob, and graphql-ws sends strings).
 */
function transportOf(socket: WebSocket): Socket | undefined {
  if (socket.extensions !== '') return undefined;
  const transport: unknown = Reflect.get(socket, '_socket');
  return transport instanceof Socket ? transport : undefined;
}

/**
 * How to send `parts`, joined, as one text message on this socket: in a single write of its own frame where
 * it can, else with ws's `send`. Chosen once (the extensions are settled at the handshake), used for every message.
 */
export function textSender(socket: WebSocket): (parts: readonly Buffer[]) => void {
  const transport = transportOf(socket);
  if (!transport) return (parts) => socket.send(Buffer.concat(parts), { binary: false });
  // Nothing waiting: the kernel takes the frame now, in all likelihood, and it is freed at once.
  return (parts) => transport.write(textFrame(parts, transport.writableLength === 0));
}
