import type { Plugin } from 'graphql-yoga';
import { isLoopbackHost } from '../auth/identity.js';

/**
 * Browsers apply neither CORS nor CSRF rules to a WebSocket upgrade, so any page
 * could open one. A browser always sends Origin, so an upgrade whose Origin is
 * neither this host nor a listed CORS origin is refused; clients that are not
 * browsers send none and pass.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, corsOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (corsOrigins.includes('*') || corsOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Anonymous mode on loopback trusts whoever reaches the port, so it must be
 * reached as loopback: a page whose own name resolves to 127.0.0.1 (DNS
 * rebinding) sends its name as Host and is refused.
 */
export function isHostAllowed(host: string | undefined | null): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

/** Refuses GraphQL requests whose Host is not loopback (see isHostAllowed); yoga answers /health and GraphiQL's page before plugins run. */
export function useLoopbackHostOnly(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (isHostAllowed(request.headers.get('host'))) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: 'Forbidden: anonymous mode answers only requests addressed to a loopback host',
                extensions: { code: 'FORBIDDEN' },
              },
            ],
          }),
          {
            status: 403,
            headers: { 'content-type': 'application/json' },
          },
        ),
      );
    },
  };
}
