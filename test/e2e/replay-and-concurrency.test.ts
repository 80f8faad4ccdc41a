import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES } from '../support/app.js';
import { useTestServer } from '../support/server-hooks.js';
import { mustGraphQL, subscribeSse, subscribeWs } from '../support/clients.js';
import {
  createDiscussion,
  DISCUSSION_EVENTS,
  discussionEventViewSchema,
  MESSAGE_ADDED,
  messageViewSchema,
  mockAgents,
  START,
  TOKEN_STREAMED,
  tokenViewSchema,
} from '../support/documents.js';

const INJECT = 'mutation($id: ID!, $content: String!) { injectMessage(discussionId: $id, content: $content) { cursor } }';
const STOP = 'mutation($id: ID!) { stopDiscussion(id: $id) { status } }';

describe.each(BOTH_MODES)('replay after a cursor, then live ($mode mode)', ({ redis }) => {
  const context = useTestServer({ redis });

  it('delivers every message once, in order, while commits race the subscriptions', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Replay under load', agents: mockAgents(2) });
    const burst = 120;
    const first = await mustGraphQL(
      context.server.url,
      INJECT,
      { id, content: 'message 0' },
      { schema: z.strictObject({ injectMessage: z.strictObject({ cursor: z.string() }) }) },
    );

    // Subscribers open while the burst of commits is under way: some from the start, one from the first cursor, over both transports.
    const injecting = (async () => {
      for (let index = 1; index < burst; index += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, burst - index) }, (_, offset) =>
            mustGraphQL(context.server.url, INJECT, { id, content: `message ${index + offset}` }),
          ),
        );
      }
    })();
    const subscribers = await Promise.all([
      subscribeWs(context.ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema),
      subscribeWs(context.ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema),
      subscribeWs(context.ws, MESSAGE_ADDED, { id, after: first.injectMessage.cursor }, 'messageAdded', messageViewSchema),
      subscribeSse(context.server.url, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema),
    ]);
    await injecting;
    await mustGraphQL(context.server.url, STOP, { id });

    const expected = Array.from({ length: burst }, (_, index) => `message ${index}`).sort();
    for (const [position, subscriber] of subscribers.entries()) {
      const received = await subscriber.collector.waitForCompletion();
      const contents = received.map((message) => message.content);
      const wanted = position === 2 ? expected.filter((content) => content !== 'message 0') : expected;
      expect(new Set(contents).size).toBe(contents.length);
      expect([...contents].sort()).toEqual(wanted);
      const cursors = received.map((message) => message.cursor);
      expect(cursors).toEqual([...cursors].sort((a, b) => compare(a, b)));
    }
  });

  it('discussionEvents replays statuses and messages after a cursor and carries live tokens', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'All events', agents: mockAgents(2), maxRounds: 1 });
    const live = await subscribeWs(context.ws, DISCUSSION_EVENTS, { id }, 'discussionEvents', discussionEventViewSchema);
    await context.server.app.whenListening(id, 1);
    await mustGraphQL(context.server.url, START, { id });
    const events = await live.collector.waitForCompletion();
    const kinds = events.map((event) => event.__typename);
    expect(kinds[0]).toBe('StatusEvent');
    expect(kinds.at(-1)).toBe('StatusEvent');
    expect(events.at(-1)?.status).toBe('COMPLETED');
    const messages = events.filter((event) => event.__typename === 'MessageEvent');
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      const text = events
        .filter((event) => event.messageId === message.message?.id)
        .map((event) => event.delta)
        .join('');
      expect(text).toBe(message.message?.content);
    }

    // Replaying from the first persisted event gives everything after it, without tokens.
    const firstCursor = events[0]?.cursor;
    const replay = await subscribeWs(
      context.ws,
      DISCUSSION_EVENTS,
      { id, after: firstCursor },
      'discussionEvents',
      discussionEventViewSchema,
    );
    const replayed = await replay.collector.waitForCompletion();
    expect(replayed.map((event) => event.cursor)).toEqual(
      events.filter((event) => event.cursor && event.cursor !== firstCursor).map((event) => event.cursor),
    );
  });

  it('runs 20 discussions at once; each transcript is whole and each subscriber sees only its own', async () => {
    const count = 20;
    const ids = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        createDiscussion(context.server.url, { topic: `Parallel topic ${index}`, agents: mockAgents(2 + (index % 3)), maxRounds: 2 }),
      ),
    );
    const watchers = await Promise.all(
      ids.map(async (id) => ({
        id,
        messages: await subscribeWs(context.ws, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema),
        tokens: await subscribeWs(context.ws, TOKEN_STREAMED, { id }, 'tokenStreamed', tokenViewSchema),
      })),
    );
    await Promise.all(ids.map((id) => context.server.app.whenListening(id, 2)));
    await Promise.all(ids.map((id) => mustGraphQL(context.server.url, START, { id })));

    for (const [index, watcher] of watchers.entries()) {
      const messages = await watcher.messages.collector.waitForCompletion();
      const tokens = await watcher.tokens.collector.waitForCompletion();
      const agents = 2 + (index % 3);
      expect(messages).toHaveLength(agents * 2);
      expect(messages.every((message) => message.discussionId === watcher.id)).toBe(true);
      expect(messages.every((message) => message.content.includes(`Parallel topic ${index}`))).toBe(true);
      expect(tokens.every((token) => token.discussionId === watcher.id)).toBe(true);
      for (const message of messages) {
        expect(
          tokens
            .filter((token) => token.messageId === message.id)
            .map((token) => token.delta)
            .join(''),
        ).toBe(message.content);
      }
    }
  });
});

function compare(a: string, b: string): number {
  const [aTime = 0, aSequence = 0] = a.split('-').map(Number);
  const [bTime = 0, bSequence = 0] = b.split('-').map(Number);
  return aTime - bTime || aSequence - bSequence;
}
