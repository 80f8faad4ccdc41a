import type { DiscussionRecord, InFlightRecord } from '../store/types.js';
import { filterMap } from '../events/filter-map.js';
import { badInput } from '../engine/errors.js';
import { builder } from './builder.js';
import { DiscussionStatusEnum, ProtocolEnum, ProviderEnum, StanceEnum } from './enums.js';
import { MessageType } from './message.js';
import { ParticipantInterface, participantsOf } from './participant.js';
import { UsageType } from './usage.js';

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
    messages: t.connection({
      type: MessageType,
      description: 'The transcript, oldest first. `first`/`after` page forward; `last`/`before` page backward.',
      resolve: async (discussion, args, context) => {
        const page = await context.discussions.messages(discussion, args);
        return {
          edges: page.items.map((message) => ({ cursor: message.cursor, node: message })),
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: page.hasPreviousPage,
            startCursor: page.items[0]?.cursor ?? null,
            endCursor: page.items.at(-1)?.cursor ?? null,
          },
        };
      },
   },
      { name: 'MessageConnection' },
      { name: 'MessageEdge' },
    ),
    inFlight: t.field({
      type: InFlightMessageType,
      nullable: true,
      resolve: async (discussion, _args, context) => (await context.discussions.inFlight(discussion)) ?? null,
    }),
    usage: t.field({ type: UsageType, description: "Every agent's and selector's tokens, summed.", resolve: (discussion) => discussion.usage }),
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
  }),
});

const AgentInput = builder.inputType('AgentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique in the discussion.' }),
    persona: t.string({ description: 'A persona template name (see `personaTemplates`), or free text describing the role.' }),
    systemPrompt: t.string({ description: "Overrides the persona's system prompt." }),
    provider: t.field({ type: ProviderEnum, required: true }),
    model: t.string({ description: "Defaults to the provider's default model." }),
    temperature: t.float({ description: '0 to 2.' }),
    maxTokens: t.int({ description: 'Upper bound of one reply, 1 to 32000.' }),
    maxContextTokens: t.int({
      description: "The context window the transcript must fit (1000 to 2000000); a default per provider. Longer transcripts keep the first message and the latest turns, with a note of what was left out.",
    }),
    stance: t.field({ type: StanceEnum, defaultValue: 'NONE' }),
  }),
});

const HumanInput = builder.inputType('HumanInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    speaksInTurn: t.boolean({ defaultValue: false }),
    waitSeconds: t.int({ defaultValue: 120 }),
  }),
});

const TerminationInput = builder.inputType('TerminationInput', {
  fields: (t) => ({
    maxMessages: t.int({ description: 'End when the transcript holds this many messages.' }),
    maxTotalTokens: t.int({ description: 'A token budget (input + output), checked before each turn.' }),
    stopPhrases: t.stringList({ description: "End when an agent's message contains one of these (case-insensitive)." }),
  }),
});

const SelectorInput = builder.inputType('SelectorInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, required: true }),
    model: t.string(),
  }),
});

const CreateDiscussionInput = builder.inputType('CreateDiscussionInput', {
  fields: (t) => ({
    topic: t.string({ required: true }),
    agents: t.field({ type: [AgentInput], required: true }),
    humans: t.field({ type: [HumanInput] }),
    protocol: t.field({ type: ProtocolEnum, defaultValue: 'ROUND_ROBIN' }),
    maxRounds: t.int({ defaultValue: 3 }),
    termination: t.field({ type: TerminationInput }),
    selector: t.field({ type: SelectorInput, description: 'OPEN: the provider and model that pick the next speaker.' }),
  }),
});

builder.queryFields((t) => ({
  discussion: t.field({
    type: DiscussionType,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => (await context.discussions.get(String(args.id))) ?? null,
  }),
  discussions: t.connection({
    type: DiscussionType,
    description: 'Discussions newest first. Page forward with `first` and `after`.',
    args: { status: t.arg({ type: DiscussionStatusEnum }) },
    resolve: async (_root, args, context) => {
      if (args.last !== null && args.last !== undefined) throw badInput('last', 'discussions page forward only: use first and after');
      if (args.before !== null && args.before !== undefined) throw badInput('before', 'discussions page forward only: use first and after');
      const page = await context.discussions.list(args);
      return {
        edges: page.items.map((discussion) => ({ cursor: discussion.id, node: discussion })),
        pageInfo: {
          hasNextPage: page.hasMore,
          hasPreviousPage: args.after !== null && args.after !== undefined,
          startCursor: page.items[0]?.id ?? null,
          endCursor: page.items.at(-1)?.id ?? null,
        },
      };
    },},
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
    subscribe: async (_root, args, context) => {
      const events = await context.discussions.events(String(args.discussionId), {});
      return filterMap(events, (event) => (event.type === 'message' || event.type === 'status' ? event.discussionId : undefined));
    },
    resolve: async (discussionId, _args, context) => {
      const discussion = await context.discussions.get(discussionId);
      if (!discussion) throw new Error(`discussion ${discussionId} vanished`);
      return discussion;
    },
  }),
);
