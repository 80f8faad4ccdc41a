import type { LiveEvent } from '../events/types.js';
import type { GraphQLContext } from './builder.js';

/**
 * The events one subscriber reads: only those `wants` keeps wait for it, bounded, and
 * ended by the transport's own means when it falls behind.
 */
export function subscriberEvents(
  context: GraphQLContext,
  discussionId: string,
  wants: (event: LiveEvent) => boolean,
  after?: string | null,
) {
  return context.discussions.events(discussionId, { after: after ?? undefined, wants, onOverflow: context.onSlowConsumer });
}
