import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Identity } from '../auth/identity.js';
import { DomainError } from '../engine/errors.js';
import { toGraphQLError } from '../schema/errors.js';

export const unauthenticated = (): DomainError =>
  new DomainError('UNAUTHENTICATED', 'Unauthenticated: send a valid credential as "Authorization: Bearer <token>"');

/**
 * Authenticates every GraphQL request over HTTP and SSE before it is parsed
 * (GraphiQL's page, /health and /ready are served before this and stay open).
 * `identityOf` hands the caller to the context factory.
 */
export function useBearerAuth({ authenticator, logger }: { authenticator: Authenticator; logger: Logger }) {
  const identities = new WeakMap<Request, Identity>();
  const plugin: Plugin = {
    async onRequestParse({ request }) {
      const result = await authenticator.authenticate(request.headers.get('authorization'));
      if (!result.ok) {
        // A client's mistake: below `error`, and never the credential itself.
        logger.info({ reason: result.reason, transport: 'http' }, 'request refused: unauthenticated');
        throw toGraphQLError(unauthenticated());
      }
      identities.set(request, result.identity);
    },
  };
  return {
    plugin,
    identityOf(request: Request): Identity {
      const identity = identities.get(request);
      // The plugin runs before any context is built; a request without an identity is a wiring bug.
      if (!identity) throw new Error('request reached the context without authentication');
      return identity;
    },
  };
}
