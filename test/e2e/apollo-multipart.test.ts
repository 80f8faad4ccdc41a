import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL } from '../support/clients.js';
import { createDiscussion, mockAgents, START } from '../support/documents.js';

/** Apollo Client with HttpLink alone: subscriptions go over multipart HTTP (`subscriptionSpec=1.0`). */
describe("Apollo Client's multipart HTTP subscriptions", () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ redis: true });
  });
  afterAll(async () => {
    await server.close();
  });

  const client = () => new ApolloClient({ link: new HttpLink({ uri: server.url }), cache: new InMemoryCache() });

  it('streams every message of a discussion in order, then completes', async () => {
    const id = await createDiscussion(server.url, { topic: 'Multipart', agents: mockAgents(2), maxRounds: 2 });
    const authors: string[] = [];
    const texts: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client()
        .subscribe<{ messageAdded: { author: string; content: string } }>({
          query: gql`
            subscription ($id: ID!) {
              messageAdded(discussionId: $id, after: "0-0") {
                author
                content
              }
            }
          `,
          variables: { id },
        })
        .subscribe({
          next: ({ data, error }) => {
            if (error) reject(new Error(`the subscription failed: ${error.message}`));
            else if (data) {
              authors.push(data.messageAdded.author);
              texts.push(data.messageAdded.content);
            }
          },
          error: reject,
          complete: resolve,
        });
    });
    await server.app.whenListening(id, 1);
    await mustGraphQL(server.url, START, { id });
    await done;
    // Two rounds of two agents, in turn order; each a finished message, not a fragment.
    expect(authors).toEqual(['Ada', 'Bob', 'Ada', 'Bob']);
    expect(texts.every((text) => text.length > 0)).toBe(true);
  });

  it('ends with a coded error for a discussion it may not read', async () => {
    const error = await new Promise<unknown>((resolve) => {
      client()
        .subscribe({
          query: gql`
            subscription ($id: ID!) {
              messageAdded(discussionId: $id) {
                author
              }
            }
          `,
          variables: { id: 'no-such-discussion' },
        })
        .subscribe({ next: ({ error }) => error && resolve(error), error: resolve, complete: () => resolve(undefined) });
    });
    expect(JSON.stringify(error)).toContain('NOT_FOUND');
  });
});
