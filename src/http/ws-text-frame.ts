import { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const FIN_TEXT = 0x81;
const LENGTH_16 = 126;
const LENGTH_64 = 127;

/**
 * One unfragmented, unmasked WebSocket text frame (RFC 6455, section 5.2, as a
 * server sends it) whose payload is `parts` one after another, in one buffer:
 * header and payload go to the socket in one write, where ws's `send` makes two
 * (a writev of its header and the text), and no string is encoded per socket.
 */
export function textFrame(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const headerLength = length < LENGTH_16 ? 2 : length < 2 ** 16 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
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

/** Sends `parts`, joined, as one text message: in a single write of its own frame where it can, else with ws's `send`. */
export function sendText(socket: WebSocket, parts: readonly Buffer[]): void {
  const transport = transportOf(socket);
  if (transport) transport.write(textFrame(parts));
  else socket.send(Buffer.concat(parts), { binary: false });
}
