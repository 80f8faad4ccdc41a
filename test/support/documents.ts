import { mustGraphQL } from './clients.js';

export const MESSAGE_FIELDS = 'id cursor discussionId author role provider model content round turn finishReason usage { inputTokens outputTokens }';

export const CREATE = `mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id status } }`;
export const START = `mutation($id: ID!, $initialMessage: String, $author: String) {
  startDiscussion(id: $id, initialMessage: $initialMessage, author: $author) { id status startedAt } }`;
export const DISCUSSION = `query($id: ID!) { discussion(id: $id) {
  id topic status stopReason error currentRound turn messageCount
  usage { inputTokens outputTokens totalTokens }
  participants { name ... on Agent { provider model stance usage { inputTokens outputTokens } } ... on Human { speaksInTurn } }
  inFlight { messageId author text }
  messages(first: 500) { edges { cursor node { ${MESSAGE_FIELDS} } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;
export const MESSAGE_ADDED = `subscription($id: ID!, $after: String) { messageAdded(discussionId: $id, after: $after) { ${MESSAGE_FIELDS} } }`;
export const TOKEN_STREAMED = `subscription($id: ID!) { tokenStreamed(discussionId: $id) { discussionId messageId author delta index } }`;
export const DISCUSSION_EVENTS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename
  ... on MessageEvent { cursor message { id author content } }
  ... on TokenEvent { messageId delta index }
  ... on StatusEvent { cursor status stopReason }
} }`;

export interface MessageView {
  id: string;
  cursor: string;
  discussionId: string;
  author: string;
  role: 'AGENT' | 'HUMAN' | 'SYSTEM';
  provider: string | null;
  model: string | null;
  content: string;
  round: number;
  turn: number;
  finishReason: string | null;
  usage: { inputTokens: number | null; outputTokens: number | null } | null;
}

export interface TokenView {
  discussionId: string;
  messageId: string;
  author: string;
  delta: string;
  index: number;
}

export interface DiscussionView {
  id: string;
  topic: string;
  status: string;
  stopReason: string | null;
  error: string | null;
  currentRound: number;
  turn: number;
  messageCount: number;
  usage: { inputTokens: number | null; outputTokens: number | null; totalTokens: number | null };
  participants: { name: string; provider?: string; usage?: { inputTokens: number | null; outputTokens: number | null } }[];
  inFlight: { messageId: string; author: string; text: string } | null;
  messages: { edges: { cursor: string; node: MessageView }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } };
}

export const mockAgents = (count: number, extra: Record<string, unknown> = {}) =>
  ['Ada', 'Bob', 'Cleo', 'Dev'].slice(0, count).map((name, index) => ({
    name,
    persona: ['Architect', 'Skeptic', 'Product Manager', 'Security Reviewer'][index],
    provider: 'MOCK',
    ...extra,
  }));

export async function createDiscussion(url: string, input: Record<string, unknown>): Promise<string> {
  const data = await mustGraphQL<{ createDiscussion: { id: string } }>(url, CREATE, { input });
  return data.createDiscussion.id;
}

export async function readDiscussion(url: string, id: string): Promise<DiscussionView> {
  const data = await mustGraphQL<{ discussion: DiscussionView | null }>(url, DISCUSSION, { id });
  if (!data.discussion) throw new Error(`discussion ${id} not found`);
  return data.discussion;
}
