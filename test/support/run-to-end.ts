// Starting a discussion and waiting for it to end, as many e2e tests do: the statuses are
// watched over graphql-ws from the start of the log, so a status reached before the
// subscription was up is not missed.

import { z } from 'zod';
import { createWsClient, mustGraphQL, subscribeWs } from './clients.js';
import { START } from './documents.js';

/** Every status event of a discussion, from the start of its log. */
export const STATUS_EVENTS = `subscription($id: ID!) { discussionEvents(discussionId: $id, after: "0-0") { __typename ... on StatusEvent { status } } }`;
export const statusEventSchema = z.strictObject({ __typename: z.string(), status: z.string().optional() });

/** Starts discussion `id` and resolves once it has reached one of `statuses` (COMPLETED unless told). */
export async function startAndAwaitStatus(
  url: string,
  id: string,
  { statuses = ['COMPLETED'], timeoutMs = 60_000 }: { statuses?: readonly string[]; timeoutMs?: number } = {},
): Promise<void> {
  const ws = createWsClient(url);
  try {
    const events = await subscribeWs(ws, STATUS_EVENTS, { id }, 'discussionEvents', statusEventSchema);
    await mustGraphQL(url, START, { id });
    await events.collector.waitFor((seen) => seen.some((event) => statuses.includes(event.status ?? '')), {
      timeoutMs,
      what: statuses.join(' or '),
    });
  } finally {
    await ws.dispose();
  }
}
