import type { ForkPoint } from '../store/types.js';
import { builder } from './builder.js';
import { AgentInput, DiscussionType, HumanInput, TerminationInput } from './discussion.js';
import { LIMITS } from '../engine/validation.js';

const ForkInputType = builder.inputType('ForkInput', {
  description: "What a fork changes from the point it is forked at; a field left out keeps the source's.",
  fields: (t) => ({
    topic: t.string(),
    agents: t.field({ type: [AgentInput], description: `1 to ${LIMITS.agents} agents, replacing the source's.` }),
    humans: t.field({ type: [HumanInput], description: "Replacing the source's." }),
    maxRounds: t.int({ description: `1 to ${LIMITS.maxRounds}, counted from the source's first round.` }),
    termination: t.field({ type: TerminationInput, description: "Replacing the source's as a whole." }),
  }),
});

const ForkPointType = builder.objectRef<ForkPoint>('ForkPoint').implement({
  fields: (t) => ({
    discussion: t.field({
      type: DiscussionType,
      nullable: true,
      description: 'The source; null once it has been deleted (or expired).',
      resolve: async (point, _args, context) => (await context.discussions.get(point.discussionId)) ?? null,
    }),
    cursor: t.exposeString('cursor', { description: "The source's cursor of the last message copied." }),
  }),
});

builder.objectFields(DiscussionType, (t) => ({
  forkedFrom: t.field({
    type: ForkPointType,
    nullable: true,
    description: 'The discussion and message this one was forked from; null for one created anew.',
    resolve: (discussion) => discussion.forkedFrom ?? null,
  }),
  forks: t.field({
    type: [DiscussionType],
    description: 'The discussions forked from this one, newest first.',
    resolve: (discussion, _args, context) => context.discussions.forks(discussion),
  }),
}));

builder.mutationFields((t) => ({
  forkDiscussion: t.field({
    type: DiscussionType,
    description:
      "A new CREATED discussion of the same owner whose transcript begins with copies of this one's messages up to and including `atCursor` (a message's cursor), with `input`'s changes from there on. Starting it continues from that point: rounds, turns and the speaking order carry on.",
    args: {
      id: t.arg.id({ required: true }),
      atCursor: t.arg.string({ required: true }),
      input: t.arg({ type: ForkInputType }),
    },
    resolve: (_root, args, context) => context.discussions.fork(String(args.id), args.atCursor, args.input),
  }),
}));
