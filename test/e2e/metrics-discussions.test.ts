/**
 * `orchestrator_discussions{status}` on `GET /metrics`: every status, counted
 * as discussions reach them, the same from every process of a deployment, and
 * down again when RETENTION_DAYS removes one (which the API then no longer shows).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DISCUSSION_STATUSES, type DiscussionStatus } from '../../src/domain.js';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { STOP, stoppedSchema } from '../support/distributed.js';
import { DISCUSSION_EVENTS, START, createDiscussion, discussionEventViewSchema, mockAgents, readDiscussion } from '../support/documents.js';

const WAIT = { timeout: 30_000, interval: 50 };
const RETENTION_MS = 600;

/** The gauge's value for each status, as `GET /metrics` on the app's port reports it. */
async function scrapeDiscussions(server: TestApp): Promise<Record<string, number | undefined>> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const value = (status: DiscussionStatus) => {
    const match = new RegExp(`^orchestrator_discussions\\{status="${status}"\\} (\\S+)$`, 'm').exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  return Object.fromEntries(DISCUSSION_STATUSES.map((status) => [status, value(status)]));
}

/** Every status at 0, then `counts`. */
const gauge = (counts: Partial<Record<DiscussionStatus, number>>) =>
  Object.fromEntries(DISCUSSION_STATUSES.map((status) => [status, counts[status] ?? 0]));

const statusOf = async (server: TestApp, id: string) => (await readDiscussion(server.url, id)).status;

describe.each(BOTH_MODES)('orchestrator_discussions{status} ($mode mode)', ({ redis }) => {
  it('counts the discussions in each status, the same on every process', async () => {
    const server = await startTestApp({ redis });
    // Redis mode: an API replica on the same deployment reads the same counts.
    const replica = redis ? await startTestApp({ redis, keyPrefix: server.keyPrefix, keepKeys: true, env: { ROLE: 'api' } }) : undefined;
    try {
      expect(await scrapeDiscussions(server)).toEqual(gauge({}));
      await createDiscussion(server.url, { topic: 'Left alone', agents: mockAgents(2) });
      const completed = await createDiscussion(server.url, { topic: 'Done', agents: mockAgents(2), maxRounds: 1 });
      const waiting = await createDiscussion(server.url, {
        topic: 'Waits for Lin',
        agents: mockAgents(1),
        humans: [{ name: 'Lin', speaksInTurn: true, waitSeconds: 600 }],
      });
      const stopped = await createDiscussion(server.url, {
        topic: 'Stopped while waiting',
        agents: mockAgents(1),
        humans: [{ name: 'Lin', speaksInTurn: true, waitSeconds: 600 }],
      });
      for (const id of [completed, waiting, stopped]) await mustGraphQL(server.url, START, { id });
      await expect.poll(() => statusOf(server, completed), WAIT).toBe('COMPLETED');
      await expect.poll(() => statusOf(server, waiting), WAIT).toBe('WAITING_FOR_HUMAN');
      await expect.poll(() => statusOf(server, stopped), WAIT).toBe('WAITING_FOR_HUMAN');
      await mustGraphQL(server.url, STOP, { id: stopped }, { schema: stoppedSchema });

      const expected = gauge({ CREATED: 1, WAITING_FOR_HUMAN: 1, COMPLETED: 1, STOPPED: 1 });
      expect(await scrapeDiscussions(server)).toEqual(expected);
      if (replica) expect(await scrapeDiscussions(replica)).toEqual(expected);

      await mustGraphQL(server.url, 'mutation($id: ID!) { deleteDiscussion(id: $id) }', { id: completed });
      expect(await scrapeDiscussions(server)).toEqual(gauge({ CREATED: 1, WAITING_FOR_HUMAN: 1, STOPPED: 1 }));
    } finally {
      await replica?.close();
      await server.close();
    }
  });

  it('drops a discussion RETENTION_DAYS after it ended, from the API and from the counts', async () => {
    const server = await startTestApp({ redis, env: { RETENTION_DAYS: String(RETENTION_MS / 86_400_000) } });
    const ws = createWsClient(server.url);
    try {
      const kept = await createDiscussion(server.url, { topic: 'Never started', agents: mockAgents(2) });
      const done = await createDiscussion(server.url, { topic: 'Over soon', agents: mockAgents(2), maxRounds: 1 });
      const events = await subscribeWs(ws, DISCUSSION_EVENTS, { id: done }, 'discussionEvents', discussionEventViewSchema);
      await server.app.whenListening(done, 1);
      await mustGraphQL(server.url, START, { id: done });
      const statuses = (await events.collector.waitForCompletion()).flatMap((event) => (event.status ? [event.status] : []));
      expect(statuses).toEqual(['RUNNING', 'COMPLETED']);

      const found = z.strictObject({ discussion: z.strictObject({ id: z.string() }).nullable() });
      const lookUp = async (id: string) =>
        (await mustGraphQL(server.url, 'query($id: ID!) { discussion(id: $id) { id } }', { id }, { schema: found })).discussion;
      await expect.poll(() => lookUp(done), WAIT).toBeNull();
      await expect.poll(() => scrapeDiscussions(server), WAIT).toEqual(gauge({ CREATED: 1 }));
      const listed = await mustGraphQL(server.url, '{ discussions(first: 50) { edges { node { id status } } } }', undefined, {
        schema: z.strictObject({
          discussions: z.strictObject({ edges: z.array(z.strictObject({ node: z.strictObject({ id: z.string(), status: z.string() }) })) }),
        }),
      });
      expect(listed.discussions.edges.map(({ node }) => node)).toEqual([{ id: kept, status: 'CREATED' }]);
      expect(await lookUp(kept)).toEqual({ id: kept });
    } finally {
      await ws.dispose();
      await server.close();
    }
  });
});
