// The recorded-calls part of the store contract (RECORD_PROVIDER_CALLS): kept in order with
// the discussion, handed out as copies, gone with it, and never kept for one that does not exist.

import { describe, expect, it } from 'vitest';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion, makeProviderCall } from './fixtures.js';

export function describeProviderCallContract(store: () => DiscussionStore): void {
  describe('recorded provider calls', () => {
    it('keeps them in the order they were appended, each as it was given, errors and tool calls too', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      const first = makeProviderCall();
      const second = makeProviderCall({
        turn: 1,
        purpose: 'pick',
        step: 2,
        parts: [
          {
            atMs: 3,
            part: { type: 'tool-call', call: { id: 'c1', name: 'search__web', arguments: { q: 'ü' }, argumentsText: '{"q":"ü"}' } },
          },
          {
            atMs: 9,
            part: { type: 'error', error: { kind: 'rate_limited', message: 'OpenAI rate limited the request (HTTP 429)', status: 429 } },
          },
        ],
      });
      await store().appendProviderCall(record.id, first);
      await store().appendProviderCall(record.id, second);
      const read = await store().readProviderCalls(record.id);
      expect(read).toEqual([first, second]);
      read[0]?.parts.splice(0);
      expect((await store().readProviderCalls(record.id))[0]).toEqual(first);
    });

    it('has none for a discussion without any, deletes them with it, and keeps none for one that does not exist', async () => {
      const record = await createDiscussion(store(), { status: 'RUNNING' });
      expect(await store().readProviderCalls(record.id)).toEqual([]);
      await store().appendProviderCall(record.id, makeProviderCall());
      expect(await store().delete(record.id)).toBe(true);
      expect(await store().readProviderCalls(record.id)).toEqual([]);
      await store().appendProviderCall(record.id, makeProviderCall());
      expect(await store().readProviderCalls(record.id)).toEqual([]);
    });
  });
}
