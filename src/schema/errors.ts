import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as maskUnexpected } from 'graphql-yoga';
import { DomainError } from '../engine/errors.js';

// By name, not instanceof: graphql can be loaded twice (its CJS and ESM builds), as under vitest.
const isGraphQLError = (value: unknown): value is GraphQLError => value instanceof Error && value.name === 'GraphQLError';

/**
 * The one place internal errors become GraphQL errors: a DomainError keeps its
 * code, message and field; anything else is masked, with no stack or cause.
 */
export function maskError(error: unknown, message: string): Error {
  const located = isGraphQLError(error) ? error : undefined;
  const original = located ? located.originalError : error;
  if (original instanceof DomainError) {
    return createGraphQLError(original.message, {
      nodes: located?.nodes,
      path: located?.path,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  return maskUnexpected(error, message, false);
}
