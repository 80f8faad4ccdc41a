import type { ReplaySource } from '../store/types.js';
import { MAX_REPLAY_SPEED } from '../engine/replay.js';
import { builder } from './builder.js';
import { DiscussionType } from './discussion.js';

const ReplaySourceType = builder.objectRef<ReplaySource>('ReplaySource').implement({
  fields: (t) => ({
    discussion: t.field({
      type: DiscussionType,
      nullable: true,
      description: 'The recorded discussion; null once it has been deleted (or expired).',
      resolve: async (source, _args, context) => (await context.discussions.get(source.discussionId)) ?? null,
    }),
    speed: t.exposeFloat('speed', { description: 'Times the recorded pace; 0: as fast as possible.' }),
  }),
});

builder.objectFields(DiscussionType, (t) => ({
  recorded: t.boolean({
    description:
      'Whether its provider calls are recorded (RECORD_PROVIDER_CALLS was on when it was created), so that replayDiscussion can replay it.',
    resolve: (discussion) => discussion.recordCalls === true,
  }),
  replayOf: t.field({
    type: ReplaySourceType,
    nullable: true,
    description: 'The recorded discussion this one replays; null for one that is no replay.',
    resolve: (discussion) => discussion.replayOf ?? null,
  }),
}));

builder.mutationFields((t) => ({
  replayDiscussion: t.field({
    type: DiscussionType,
    description:
      "A new CREATED discussion that runs a recorded, ended one again without a vendor: its agents use the REPLAY provider, which streams each recorded call's parts again, and its humans' messages come back where they were, so the transcript is the same. Start it to watch it.",
    args: {
      id: t.arg.id({ required: true }),
      speed: t.arg.float({
        defaultValue: 1,
        description: `Times the recorded pace, from 0 (as fast as possible) to ${MAX_REPLAY_SPEED}.`,
      }),
    },
    resolve: (_root, args, context) => context.discussions.replay(String(args.id), args.speed ?? 1),
  }),
}));
