import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { type GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config.js';
import { normalizeClientError } from '../schema/errors.js';

/**
 * A header a browser cannot send cross-origin without a CORS preflight: a form or GET request with it is not a CSRF.
 * Not `Authorization`: a browser attaches ambient Basic credentials (a proxy's) to a cross-site form post by itself.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf'];

/**
 * Depth, aliases, tokens, directives and cost (graphql-armor, on parse and
 * validation, so graphql-ws gets them too), CSRF prevention for HTTP, and no
 * introspection or "Did you mean" suggestions when introspection is off.
 */
export function securityPlugins({ limits, introspection }: { limits: LimitsConfig; introspection: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth },
      maxAliases: { n: limits.maxAliases },
      maxTokens: { n: limits.maxTokens },
      maxDirectives: { n: limits.maxDirectives },
      // Cost counts the objects a query can resolve (a list's part times its literal first/last); scalars
      // come with their object. Armor's default, exponential in depth, prices one page of 500 messages at 56,000.
      costLimit: { maxCost: limits.maxCost, objectCost: 1, scalarCost: 0, depthCostFactor: 1 },
      blockFieldSuggestion: { enabled: !introspection },
    }),
    useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
    useClientErrorCodes(),
  ];
  if (!introspection) {
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  }
  return plugins;
}

/**
 * Parse and validation errors never pass the masking step (they are not
 * execution errors): give them our codes and a bounded echo on the way out.
 */
function useClientErrorCodes(): Plugin {
  const normalize = <T extends { errors?: readonly GraphQLError[] }>(result: T): T =>
    result.errors ? { ...result, errors: result.errors.map(normalizeClientError) } : result;
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) setResult(result.map(normalize));
      else if (!(Symbol.asyncIterator in result)) setResult(normalize(result));
    },
  };
}
