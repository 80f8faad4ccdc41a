import type { DiscussionRecord, InFlightRecord } from '../store/types.js';
import { badInput, notFound, slowConsumer } from '../engine/errors.js';
import { DEFAULT_PAGE, MAX_PAGE } from '../engine/message-paging.js';
import { DEFAULTS, LIMITS } from '../engine/validation.js';
import { pricedDiscussion } from '../pricing/cost.js';
import { builder } from './builder.js';
import { subscriberEvents } from './subscriber-events.js';
import { mapToConnection } from './connection.js';
import { DiscussionStatusEnum, ProtocolEnum, ProviderEnum, StanceEnum } from './enums.js';
import { MessageType } from './message.js';
import { ParticipantInterface, participantsOf } from './participant.js';
import { UsageType } from './usage.js';

/** Said in the connection's description: Pothos gives no way to describe its built-in `first`/`last` args. */
const pageSize = (args: string) => `Page size ${args}: 0 to ${MAX_PAGE}, ${DEFAULT_PAGE} when omitted.`;

const InFlightMessageType = builder.objectRef<InFlightRecord>('InFlightMessage').implement({
  description: 'The message being streamed now. `text` is everything streamed so far: a reconnecting client starts from here.',
  fields: (t) => ({
    messageId: t.exposeID('messageId'),
    author: t.exposeString('author'),
    provider: t.field({ type: ProviderEnum, nullable: true, resolve: (inFlight) => inFlight.provider ?? null }),
    model: t.string({ nullable: true, resolve: (inFlight) => inFlight.model ?? null }),
    round: t.exposeInt('round'),
    turn: t.exposeInt('turn'),
    text: t.exposeString('text'),
    startedAt: t.field({ type: 'DateTime', resolve: (inFlight) => inFlight.startedAt }),
  }),
});

const TerminationType = builder.objectRef<DiscussionRecord['termination']>('Termination').implement({
  fields: (t) => ({
    maxMessages: t.int({ nullable: true, resolve: (termination) => termination.maxMessages ?? null }),
    maxTotalTokens: t.int({ nullable: true, resolve: (termination) => termination.maxTotalTokens ?? null }),
    maxCostUsd: t.float({ nullable: true, resolve: (termination) => termination.maxCostUsd ?? null }),
    stopPhrases: t.exposeStringList('stopPhrases'),
  }),
});

export const DiscussionType = builder.objectRef<DiscussionRecord>('Discussion').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    topic: t.exposeString('topic'),
    status: t.field({ type: DiscussionStatusEnum, resolve: (discussion) => discussion.status }),
    protocol: t.field({ type: ProtocolEnum, resolve: (discussion) => discussion.protocol }),
    maxRounds: t.exposeInt('maxRounds'),
    currentRound: t.exposeInt('currentRound', { description: 'The round of the latest turn; 0 before the first.' }),
    turn: t.exposeInt('turn', { description: 'How many turns have been taken.' }),
    messageCount: t.exposeInt('messageCount'),
    termination: t.field({ type: TerminationType, resolve: (discussion) => discussion.termination }),
    participants: t.field({ type: [ParticipantInterface], resolve: participantsOf }),
    messages: t.connection(
      {
        type: MessageType,
        description: `The transcript, oldest first. \`first\`/\`after\` page forward; \`last\`/\`before\` page backward. ${pageSize('`first`/`last`')}`,
        resolve: async (discussion, args, context) => {
          const page = await context.discussions.messages(discussion, args);
          return mapToConnection(page.items, (message) => message.cursor, page);
        },
      },
      { name: 'MessageConnection' },
      { name: 'MessageEdge' },
    ),
    transcriptMarkdown: t.string({
      description:
        'The whole transcript as Markdown, for a ticket or a wiki: a summary (status, protocol, participants, usage), then every message round by round under its speaker, role, provider, model and usage, its content quoted.',
      resolve: (discussion, _args, context) => context.discussions.transcriptMarkdown(discussion),
    }),
    inFlight: t.field({
      type: InFlightMessageType,
      nullable: true,
      resolve: async (discussion, _args, context) => (await context.discussions.inFlight(discussion)) ?? null,
    }),
    usage: t.field({
      type: UsageType,
      description: "Every agent's and selector's tokens, summed; `costUsd` is the sum of their costs.",
      resolve: pricedDiscussion,
    }),
    nextSpeaker: t.string({
      nullable: true,
      description: 'Who speaks next, when known: the speaker just picked, or the human the discussion waits for.',
      resolve: (discussion) => discussion.nextSpeaker ?? null,
    }),
    stopReason: t.string({ nullable: true, resolve: (discussion) => discussion.stopReason ?? null }),
    error: t.string({ nullable: true, resolve: (discussion) => discussion.error ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (discussion) => discussion.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (discussion) => discussion.startedAt ?? null }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (discussion) => discussion.finishedAt ?? null }),
    webhookUrl: t.string({
      nullable: true,
      description: 'Where the discussion POSTs its summary when it reaches a final status (see the API docs, Webhooks).',
      resolve: (discussion) => discussion.webhookUrl ?? null,
    }),
  }),
});

/** A limit as the descriptions say it; the numbers come from LIMITS, which `createDiscussionSchema` checks. */
const atMost = (max: number, unit = 'characters') => `At most ${max} ${unit}.`;
const modelDescription = `Defaults to the provider's default model. ${atMost(LIMITS.model)}`;

export const AgentInput = builder.inputType('AgentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: `Unique in the discussion. ${atMost(LIMITS.name)}` }),
    persona: t.string({
      description: `A persona template name (see \`personaTemplates\`), or free text describing the role. ${atMost(LIMITS.persona)}`,
    }),
    systemPrompt: t.string({ description: `Overrides the persona's system prompt. ${atMost(LIMITS.systemPrompt)}` }),
    provider: t.field({ type: ProviderEnum, required: true }),
    model: t.string({ description: modelDescription }),
    temperature: t.float({ description: `0 to ${LIMITS.temperature}.` }),
    maxTokens: t.int({ description: `Upper bound of one reply, 1 to ${LIMITS.maxTokens}.` }),
    maxContextTokens: t.int({
      description: `The context window the transcript must fit (${LIMITS.minContextTokens} to ${LIMITS.maxContextTokens}); a default per provider. Longer transcripts keep the first message and the latest turns, with a note of what was left out.`,
    }),
    stance: t.field({ type: StanceEnum, defaultValue: DEFAULTS.stance }),
    tools: t.stringList({
      description: `MCP servers (\`search\`: all its tools) or single tools (\`search/web_search\`) the agent may call during its turns; see \`mcpServers\`. At most ${LIMITS.toolsPerAgent}.`,
    }),
  }),
});

export const HumanInput = builder.inputType('HumanInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: `Unique in the discussion. ${atMost(LIMITS.name)}` }),
    speaksInTurn: t.boolean({ defaultValue: DEFAULTS.speaksInTurn }),
    waitSeconds: t.int({
      defaultValue: DEFAULTS.waitSeconds,
      description: `How long the discussion waits for this human's turn before skipping it, 1 to ${LIMITS.waitSeconds} seconds.`,
    }),
  }),
});

export const TerminationInput = builder.inputType('TerminationInput', {
  fields: (t) => ({
    maxMessages: t.int({ description: `End when the transcript holds this many messages, 1 to ${LIMITS.maxMessages}.` }),
    maxTotalTokens: t.int({ description: 'A token budget (input + output), checked before each turn; at least 1.' }),
    maxCostUsd: t.float({
      description: `A hard cap in USD, more than 0 and at most ${LIMITS.maxCostUsd}: each call's worst case (estimated input plus maxTokens of output) is reserved before it starts and its maxTokens lowered to fit, so the discussion never spends past it; it ends with stopReason cost_budget. Every agent's model needs a price.`,
    }),
    stopPhrases: t.stringList({
      description: `End when an agent's message contains one of these (case-insensitive). ${atMost(LIMITS.stopPhrases, 'phrases')} ${atMost(LIMITS.stopPhrase, 'characters each')}`,
    }),
  }),
});

const SelectorInput = builder.inputType('SelectorInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, required: true }),
    model: t.string({ description: modelDescription }),
  }),
});

const CreateDiscussionInput = builder.inputType('CreateDiscussionInput', {
  fields: (t) => ({
    topic: t.string({ required: true, description: atMost(LIMITS.topic) }),
    agents: t.field({ type: [AgentInput], required: true, description: `1 to ${LIMITS.agents} agents.` }),
    humans: t.field({ type: [HumanInput], description: atMost(LIMITS.humans, 'humans') }),
    protocol: t.field({ type: ProtocolEnum, defaultValue: DEFAULTS.protocol }),
    maxRounds: t.int({ defaultValue: DEFAULTS.maxRounds, description: `1 to ${LIMITS.maxRounds}.` }),
    termination: t.field({ type: TerminationInput }),
    selector: t.field({ type: SelectorInput, description: 'OPEN: the provider and model that pick the next speaker.' }),
    webhookUrl: t.string({
      description: `An http(s) URL that gets the discussion's summary as JSON (signed when the server sets WEBHOOK_SECRET) once it is COMPLETED, STOPPED or FAILED, retried with backoff until it answers 2xx. No user name or password in it; loopback, private and link-local hosts are refused unless the server sets WEBHOOK_ALLOW_PRIVATE=true. ${atMost(LIMITS.webhookUrl)}`,
    }),
  }),
});

builder.queryFields((t) => ({
  discussion: t.field({
    type: DiscussionType,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => (await context.discussions.get(String(args.id))) ?? null,
  }),
  discussions: t.connection(
    {
      type: DiscussionType,
      description: `Discussions newest first. Page forward with \`first\` and \`after\`. ${pageSize('`first`')}`,
      args: { status: t.arg({ type: DiscussionStatusEnum }) },
      resolve: async (_root, args, context) => {
        if (args.last !== null && args.last !== undefined) throw badInput('last', 'discussions page forward only: use first and after');
        if (args.before !== null && args.before !== undefined)
          throw badInput('before', 'discussions page forward only: use first and after');
        const page = await context.discussions.list(args);
        return mapToConnection(page.items, (discussion) => discussion.id, {
          hasNextPage: page.hasMore,
          hasPreviousPage: args.after !== null && args.after !== undefined,
        });
      },
    },
    { name: 'DiscussionConnection' },
    { name: 'DiscussionEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createDiscussion: t.field({
    type: DiscussionType,
    args: { input: t.arg({ type: CreateDiscussionInput, required: true }) },
    resolve: (_root, { input }, context) => context.discussions.create(input),
  }),
  startDiscussion: t.field({
    type: DiscussionType,
    description: 'Starts a CREATED discussion. `initialMessage` becomes the first message (role HUMAN, author `author` or "user").',
    args: { id: t.arg.id({ required: true }), initialMessage: t.arg.string(), author: t.arg.string() },
    resolve: (_root, args, context) => context.discussions.start(String(args.id), args.initialMessage, args.author),
  }),
  pauseDiscussion: t.field({
    type: DiscussionType,
    description: 'The turn in flight finishes; then the discussion holds until resumed.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => context.discussions.pause(String(args.id)),
  }),
  resumeDiscussion: t.field({
    type: DiscussionType,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => context.discussions.resume(String(args.id)),
  }),
  stopDiscussion: t.field({
    type: DiscussionType,
    description: 'Cancels the provider call in flight at once, keeps its partial text (finishReason `cancelled`) and ends as STOPPED.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => context.discussions.stop(String(args.id)),
  }),
  deleteDiscussion: t.boolean({
    description: 'Stops the discussion if it runs and removes it with its transcript.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => context.discussions.delete(String(args.id)),
  }),
}));

builder.subscriptionField('discussionUpdated', (t) =>
  t.field({
    type: DiscussionType,
    description: 'The discussion after each change of status, message or usage. Completes when it ends.',
    args: { discussionId: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) =>
      subscriberEvents(context, String(args.discussionId), (event) => event.type === 'message' || event.type === 'status'),
    resolve: async (event, _args, context) => {
      if (event.type === 'overflow') throw slowConsumer(event.capacity);
      const { discussionId } = event;
      const discussion = await context.discussions.get(discussionId);
      // Deleted between the event and this read: the caller's mistake to race, not the server's error.
      if (!discussion) throw notFound('Discussion', discussionId);
      return discussion;
    },
  }),
);
