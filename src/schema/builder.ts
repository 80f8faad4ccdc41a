import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { Identity } from '../auth/identity.js';
import type { OwnerDiscussions } from '../engine/discussion-service.js';
import type { Pricing } from '../pricing/pricing.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ToolHub } from '../tools/types.js';

export interface GraphQLContext {
  /** Who asks: results may be shared between subscriptions of the same identity. */
  identity: Identity;
  /** The caller's discussions: every method is already scoped to the caller's owner. */
  discussions: OwnerDiscussions;
  providers: ProviderRegistry;
  /** The price table `Usage.costUsd` is computed with. */
  pricing: Pricing;
  /** The process's MCP servers (MCP_SERVERS); absent: none configured. */
  tools?: ToolHub;
  /**
   * Ends the connection of a subscriber that fell too far behind (graphql-ws
   * closes the socket with 1013). Absent over HTTP, where the stream ends with
   * a RATE_LIMITED error instead.
   */
  onSlowConsumer?: () => void;
  /**
   * Writes a `next` message with this payload (a result's JSON, UTF-8) for this
   * subscription straight to its socket; false when it cannot now. graphql-ws
   * only (see useSharedSubscriptionResults).
   */
  sendPayload?: (payload: Buffer) => boolean;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date | string } };
  DefaultFieldNullability: false;
}>({
  // Fields are non-null unless they say otherwise: the contract marks the few that may be null.
  defaultFieldNullability: false,
  plugins: [RelayPlugin],
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType('DateTime', {
  description: 'An instant in time as an ISO-8601 string in UTC, e.g. 2026-11-24T10:15:30.000Z.',
  serialize: (value) => (typeof value === 'string' ? value : value.toISOString()),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
    return date;
  },
});
