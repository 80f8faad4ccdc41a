import { z } from 'zod';
import { mustGraphQL } from './clients.js';

export const MESSAGE_FIELDS =
  'id cursor discussionId author role provider model content round turn finishReason usage { inputTokens outputTokens }';

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

// Schemas of what the documents above select. Strict: a selected field a schema
// forgets fails the parse, instead of vanishing from what a test asserts on.

const usageCounts = z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable() });

/** A message as MESSAGE_FIELDS selects it. */
export const messageViewSchema = z.strictObject({
  id: z.string(),
  cursor: z.string(),
  discussionId: z.string(),
  author: z.string(),
  role: z.enum(['AGENT', 'HUMAN', 'SYSTEM']),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  content: z.string(),
  round: z.number(),
  turn: z.number(),
  finishReason: z.string().nullable(),
  usage: usageCounts.nullable(),
});
export type MessageView = z.output<typeof messageViewSchema>;

/** A tokenStreamed event as TOKEN_STREAMED selects it. */
export const tokenViewSchema = z.strictObject({
  discussionId: z.string(),
  messageId: z.string(),
  author: z.string(),
  delta: z.string(),
  index: z.number(),
});
export type TokenView = z.output<typeof tokenViewSchema>;

/** A discussionEvents payload as DISCUSSION_EVENTS selects it: which fields are set depends on `__typename`. */
export const discussionEventViewSchema = z.strictObject({
  __typename: z.string(),
  cursor: z.string().optional(),
  message: z.strictObject({ id: z.string(), author: z.string(), content: z.string() }).optional(),
  messageId: z.string().optional(),
  delta: z.string().optional(),
  index: z.number().optional(),
  status: z.string().optional(),
  stopReason: z.string().nullable().optional(),
});
export type DiscussionEventView = z.output<typeof discussionEventViewSchema>;

/** A discussion as DISCUSSION selects it. */
export const discussionViewSchema = z.strictObject({
  id: z.string(),
  topic: z.string(),
  status: z.string(),
  stopReason: z.string().nullable(),
  error: z.string().nullable(),
  currentRound: z.number(),
  turn: z.number(),
  messageCount: z.number(),
  usage: z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable(), totalTokens: z.number().nullable() }),
  participants: z.array(
    z.strictObject({
      name: z.string(),
      // an Agent's
      provider: z.string().optional(),
      model: z.string().optional(),
      stance: z.string().optional(),
      usage: usageCounts.optional(),
      // a Human's
      speaksInTurn: z.boolean().optional(),
    }),
  ),
  inFlight: z.strictObject({ messageId: z.string(), author: z.string(), text: z.string() }).nullable(),
  messages: z.strictObject({
    edges: z.array(z.strictObject({ cursor: z.string(), node: messageViewSchema })),
    pageInfo: z.strictObject({ hasNextPage: z.boolean(), hasPreviousPage: z.boolean(), endCursor: z.string().nullable() }),
  }),
});
export type DiscussionView = z.output<typeof discussionViewSchema>;

/** What CREATE answers. */
export const createdSchema = z.strictObject({ createDiscussion: z.strictObject({ id: z.string(), status: z.string() }) });
/** What START answers. */
export const startedSchema = z.strictObject({
  startDiscussion: z.strictObject({ id: z.string(), status: z.string(), startedAt: z.string().nullable() }),
});

export const mockAgents = (count: number, extra: Record<string, unknown> = {}) =>
  ['Ada', 'Bob', 'Cleo', 'Dev'].slice(0, count).map((name, index) => ({
    name,
    persona: ['Architect', 'Skeptic', 'Product Manager', 'Security Reviewer'][index],
    provider: 'MOCK',
    ...extra,
  }));

export async function createDiscussion(url: string, input: Record<string, unknown>): Promise<string> {
  const data = await mustGraphQL(url, CREATE, { input }, { schema: createdSchema });
  return data.createDiscussion.id;
}

export async function readDiscussion(url: string, id: string): Promise<DiscussionView> {
  const data = await mustGraphQL(url, DISCUSSION, { id }, { schema: z.strictObject({ discussion: discussionViewSchema.nullable() }) });
  if (!data.discussion) throw new Error(`discussion ${id} not found`);
  return data.discussion;
}
