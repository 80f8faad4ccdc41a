/** GraphQL over HTTP for the benchmark's mutations and checks. */

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function graphqlRequest<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  if (body.errors && body.errors.length > 0) {
    const problems = body.errors.map((error) => `${error.message} (${error.extensions?.code ?? 'no code'})`);
    throw new Error(`GraphQL error (HTTP ${response.status}): ${problems.join('; ')}`);
  }
  if (!body.data) throw new Error(`GraphQL response without data (HTTP ${response.status})`);
  return body.data;
}

const CREATE_DISCUSSION = /* GraphQL */ `
  mutation Create($input: CreateDiscussionInput!) {
    createDiscussion(input: $input) { id status }
  }
`;

const START_DISCUSSION = /* GraphQL */ `
  mutation Start($id: ID!) {
    startDiscussion(id: $id) { id status }
  }
`;

const DISCUSSION_OUTCOME = /* GraphQL */ `
  query Outcome($id: ID!) {
    discussion(id: $id) { id status stopReason error messageCount turn }
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
  const data = await graphqlRequest<{ createDiscussion: { id: string } }>(url, CREATE_DISCUSSION, { input });
  return data.createDiscussion.id;
}

export async function startDiscussion(url: string, id: string): Promise<void> {
  await graphqlRequest<{ startDiscussion: { id: string } }>(url, START_DISCUSSION, { id });
}

export interface DiscussionOutcome {
  id: string;
  status: string;
  stopReason: string | null;
  error: string | null;
  messageCount: number;
  turn: number;
}

export async function readOutcome(url: string, id: string): Promise<DiscussionOutcome | null> {
  const data = await graphqlRequest<{ discussion: DiscussionOutcome | null }>(url, DISCUSSION_OUTCOME, { id });
  return data.discussion;
}
