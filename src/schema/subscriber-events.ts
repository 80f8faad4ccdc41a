import type { GraphQLContext } from './builder.js';

/** The events one subscriber reads: bounded, and ended by the transport's own means when it falls behind. */
export function subscriberEvents(context: GraphQLContext, discussionId: string, after?: string | null) {
  return context.discussions.events(discussionId, { after: after ?? undefined, onOverflow: context.onSlowConsumer });
}
