// A frame or payload kept for a while must not keep Node's shared 8 KiB Buffer pool alive with it.

import { describe, expect, it } from 'vitest';
import { ownUtf8, textFrame } from '../../src/http/ws-text-frame.js';

describe('WebSocket text frames and their memory', () => {
  it('gives bytes kept for a while memory of their own, the exact size of their text', () => {
    const bytes = ownUtf8('{"id":"a","type":"next","payload":€');
    expect(bytes.toString('utf8')).toBe('{"id":"a","type":"next","payload":€');
    expect(bytes.buffer.byteLength).toBe(bytes.length);
    expect(bytes.byteOffset).toBe(0);
  });

  it('takes a frame written at once from the shared pool, and one that will wait in a backlog from memory of its own', () => {
    const parts = [ownUtf8('{"id":"a","type":"next","payload":'), ownUtf8('{"data":{}}'), ownUtf8('}')];
    const pooled = textFrame(parts, true);
    const own = textFrame(parts, false);
    expect(own).toEqual(pooled);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    expect(own.buffer.byteLength).toBe(own.length);
    // FIN and text, a 7-bit length, then the parts in order.
    expect([own[0], own[1]]).toEqual([0x81, own.length - 2]);
    expect(own.subarray(2).toString('utf8')).toBe('{"id":"a","type":"next","payload":{"data":{}}}');
  });
});
