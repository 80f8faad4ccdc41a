/** GraphQL over HTTP for the benchmark's mutations and checks. */
import { z } from 'zod';

const responseSchema = z.object({
  data: z.unknown().optional(),
  errors: z.array(z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).optional() })).optional(),
});

/** Posts the operation; its `data`, checked by `dataSchema`, or an error naming the GraphQL errors. */
export async function graphqlRequest<Schema extends z.ZodType>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  dataSchema: Schema,
): Promise<z.output<Schema>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = responseSchema.parse(await response.json());
  if (body.errors && body.errors.length > 0) {
    const problems = body.errors.map((error) => `${error.message} (${error.extensions?.code ?? 'no code'})`);
    throw new Error(`GraphQL error (HTTP ${response.status}): ${problems.join('; ')}`);
  }
  if (!body.data) throw new Error(`GraphQL response without data (HTTP ${response.status})`);
  return dataSchema.parse(body.data);
}

const CREATE_DISCUSSION = /* GraphQL */ `
  mutation Create($input: CreateDiscussionInput!) {
    createDiscussion(input: $input) {
      id
      status
    }
  }
`;

const START_DISCUSSION = /* GraphQL */ `
  mutation Start($id: ID!) {
    startDiscussion(id: $id) {
      id
      status
    }
  }
`;

const DISCUSSION_OUTCOME = /* GraphQL */ `
  query Outcome($id: ID!) {
    discussion(id: $id) {
      id
      status
      stopReason
      error
      messageCount
      turn
    }
  }
`;

export const AGENT_NAMES = ['Ada', 'Ben', 'Cleo'] as const;

export async function createMockDiscussion(url: string, topic: string, maxRounds: number): Promise<string> {
  const input = {
    topic,
    maxRounds,
    protocol: 'ROUND_ROBIN',
    agents: AGENT_NAMES.map((name, position) => ({
      name,
      provider: 'MOCK',
      persona: ['a pragmatic engineer', 'a cautious product manager', 'a curious researcher'][position],
    })),
  };
  const data = await graphqlRequest(url, CREATE_DISCUSSION, { input }, z.object({ createDiscussion: z.object({ id: z.string() }) }));
  return data.createDiscussion.id;
}

export async function startDiscussion(url: string, id: string): Promise<void> {
  await graphqlRequest(url, START_DISCUSSION, { id }, z.object({ startDiscussion: z.object({ id: z.string() }) }));
}

const discussionOutcomeSchema = z.object({
  id: z.string(),
  status: z.string(),
  stopReason: z.string().nullable(),
  error: z.string().nullable(),
  messageCount: z.number(),
  turn: z.number(),
});

export type DiscussionOutcome = z.output<typeof discussionOutcomeSchema>;

export async function readOutcome(url: string, id: string): Promise<DiscussionOutcome | null> {
  const data = await graphqlRequest(url, DISCUSSION_OUTCOME, { id }, z.object({ discussion: discussionOutcomeSchema.nullable() }));
  return data.discussion;
}

const STOP_DISCUSSION = /* GraphQL */ `
  mutation Stop($id: ID!) {
    stopDiscussion(id: $id) {
      id
      status
    }
  }
`;

export async function stopDiscussion(url: string, id: string): Promise<void> {
  await graphqlRequest(url, STOP_DISCUSSION, { id }, z.object({ stopDiscussion: z.object({ id: z.string() }) }));
}

const TRANSCRIPT = /* GraphQL */ `
  query Transcript($id: ID!) {
    discussion(id: $id) {
      messages(first: 500) {
        edges {
          node {
            id
            role
            content
          }
        }
      }
    }
  }
`;

const transcriptSchema = z.object({
  discussion: z
    .object({
      messages: z.object({ edges: z.array(z.object({ node: z.object({ id: z.string(), role: z.string(), content: z.string() }) })) }),
    })
    .nullable(),
});

/** The committed messages of a discussion (its first 500), oldest first; empty when it does not exist. */
export async function readTranscript(url: string, id: string): Promise<{ id: string; role: string; content: string }[]> {
  const data = await graphqlRequest(url, TRANSCRIPT, { id }, transcriptSchema);
  return data.discussion?.messages.edges.map((edge) => edge.node) ?? [];
}
