// graphql-ws subscribers that keep up get shared results written straight to
// their sockets (useSharedSubscriptionResults' bypass): the frames must be the
// very messages graphql-ws would write, and a completed subscription gets none.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL } from '../support/clients.js';
import { createDiscussion, MESSAGE_ADDED, mockAgents } from '../support/documents.js';
import { type RawMessage, rawSocket } from '../support/raw-ws.js';

const INJECT = `mutation($id: ID!, $content: String!) { injectMessage(discussionId: $id, content: $content, author: "Observer") { id } }`;

/** The messageAdded object of a `next` message, if it carries one. */
function addedOf(message: RawMessage): object | undefined {
  if (message.type !== 'next' || typeof message.payload !== 'object' || message.payload === null) return undefined;
  const data: unknown = Reflect.get(message.payload, 'data');
  const added: unknown = typeof data === 'object' && data !== null ? Reflect.get(data, 'messageAdded') : undefined;
  return typeof added === 'object' && added !== null ? added : undefined;
}

/** The content of a `next` message's messageAdded, if it carries one. */
function contentOf(message: RawMessage): unknown {
  const added = addedOf(message);
  return added ? Reflect.get(added, 'content') : undefined;
}

describe.each(BOTH_MODES)('results written straight to graphql-ws sockets ($mode)', ({ redis }) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ redis });
  });
  afterAll(async () => {
    await app.close();
  });

  it("writes graphql-ws's own next messages, one per subscription, and nothing after the client completes one", async () => {
    const id = await createDiscussion(app.url, { topic: 'Direct writes', agents: mockAgents(2) });
    const socket = await rawSocket(app.url);
    try {
      await socket.init({});
      for (const subscription of ['a', 'b']) {
        socket.send(JSON.stringify({ id: subscription, type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { id } } }));
      }
      await app.app.whenListening(id, 2);

      await mustGraphQL(app.url, INJECT, { id, content: 'first' });
      const received = await socket.waitFor((messages) => messages.filter((message) => contentOf(message) === 'first').length === 2);
      const firsts = received.filter((message) => contentOf(message) === 'first');
      expect(firsts.map((message) => message.id).sort()).toEqual(['a', 'b']);
      expect(firsts[0]?.payload).toEqual(firsts[1]?.payload);
      // Byte for byte what graphql-ws writes: {id, type, payload} in that order, and nothing else.
      const texts = socket.texts.filter((text) => text.includes('"first"'));
      expect(texts).toEqual(firsts.map((message) => JSON.stringify({ id: message.id, type: 'next', payload: message.payload })));

      // graphql-ws handles a socket's messages in order: once the pong is back, `a` is completed.
      socket.send(JSON.stringify({ id: 'a', type: 'complete' }));
      socket.send(JSON.stringify({ type: 'ping' }));
      await socket.waitFor((messages) => messages.some((message) => message.type === 'pong'));
      const afterComplete = socket.texts.length;
      await mustGraphQL(app.url, INJECT, { id, content: 'second' });
      await socket.waitFor((messages) => messages.some((message) => message.id === 'b' && contentOf(message) === 'second'));
      const later = (await socket.waitFor(() => true)).slice(afterComplete);
      expect(later.filter((message) => message.id === 'a')).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('frames payloads of every length encoding whole: under 126 bytes, up to 65,535, and past it', async () => {
    const id = await createDiscussion(app.url, { topic: 'Frame lengths', agents: mockAgents(2) });
    const socket = await rawSocket(app.url);
    try {
      await socket.init({});
      // Seven copies of a 16,000-character content make a payload past 65,535 bytes (a 64-bit length).
      const copies = Array.from({ length: 7 }, (_, copy) => `c${copy}: content`).join(' ');
      const subscriptions = {
        one: `subscription($id: ID!) { messageAdded(discussionId: $id) { content } }`,
        seven: `subscription($id: ID!) { messageAdded(discussionId: $id) { ${copies} } }`,
      };
      for (const [subscription, query] of Object.entries(subscriptions)) {
        socket.send(JSON.stringify({ id: subscription, type: 'subscribe', payload: { query, variables: { id } } }));
      }
      await app.app.whenListening(id, 2);

      // 7-bit, 16-bit and 64-bit lengths: a short content, then one that is 3 bytes a character in UTF-8.
      const contents = ['tiny', '€'.repeat(16_000)];
      for (const content of contents) await mustGraphQL(app.url, INJECT, { id, content });
      const received = await socket.waitFor((messages) => messages.filter((message) => message.type === 'next').length === 4);
      const texts = socket.texts.filter((text) => text.startsWith('{"id":'));
      const lengths = texts.map((text) => Buffer.byteLength(text));
      expect(lengths.some((length) => length < 126)).toBe(true);
      expect(lengths.some((length) => length > 126 && length < 2 ** 16)).toBe(true);
      expect(lengths.some((length) => length >= 2 ** 16)).toBe(true);
      const nexts = received.filter((message) => message.type === 'next');
      expect(texts).toEqual(nexts.map((message) => JSON.stringify({ id: message.id, type: 'next', payload: message.payload })));
      for (const message of nexts) {
        const values = Object.values(addedOf(message) ?? {});
        expect(values).toHaveLength(message.id === 'seven' ? 7 : 1);
        expect(new Set(values).size).toBe(1);
        expect(contents).toContain(values[0]);
      }
    } finally {
      socket.close();
    }
  });
});
