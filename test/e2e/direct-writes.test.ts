// graphql-ws subscribers that keep up get shared results written straight to
// their sockets (useSharedSubscriptionResults' bypass): the frames must be the
// very messages graphql-ws would write, and a completed subscription gets none.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL } from '../support/clients.js';
import { createDiscussion, MESSAGE_ADDED, mockAgents } from '../support/documents.js';
import { type RawMessage, rawSocket } from '../support/raw-ws.js';

const INJECT = `mutation($id: ID!, $content: String!) { injectMessage(discussionId: $id, content: $content, author: "Observer") { id } }`;

/** The content of a `next` message's messageAdded, if it carries one. */
function contentOf(message: RawMessage): unknown {
  if (message.type !== 'next' || typeof message.payload !== 'object' || message.payload === null) return undefined;
  const data: unknown = Reflect.get(message.payload, 'data');
  const added: unknown = typeof data === 'object' && data !== null ? Reflect.get(data, 'messageAdded') : undefined;
  return typeof added === 'object' && added !== null ? Reflect.get(added, 'content') : undefined;
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
});
