// One urql client per credential: queries and mutations over HTTP, subscriptions over graphql-ws on the same path.
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

const TOKEN_KEY = 'discussions.token';
/** graphql-ws close code for a socket whose connection_init carried no valid credential. */
export const UNAUTHENTICATED_CLOSE = 4401;

export function savedToken(): string | undefined {
  return localStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string | undefined): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export interface Api {
  client: Client;
  ws: WsClient;
}

/** `onUnauthenticated` runs when the server refuses the credential (or wants one), over HTTP or WebSocket. */
export function createApi(token: string | undefined, onUnauthenticated: () => void): Api {
  const authorization = token ? `Bearer ${token}` : undefined;
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    // The live view resubscribes itself, from the last cursor it holds: a retry of the same payload would replay from the first one.
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : undefined,
    on: {
      closed: (event) => {
        if (event instanceof CloseEvent && event.code === UNAUTHENTICATED_CLOSE) onUnauthenticated();
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    // The server's CSRF prevention refuses a GET without a custom header: POST everything.
    preferGetMethod: false,
    fetchOptions: (): RequestInit => (authorization ? { headers: { authorization } } : {}),
    exchanges: [
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions.code === 'UNAUTHENTICATED')) onUnauthenticated();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, ws };
}

/** The message of an urql error without its "[GraphQL]" / "[Network]" prefix. */
export function errorText(error: { graphQLErrors: readonly { message: string }[]; networkError?: Error; message: string }): string {
  if (error.graphQLErrors.length > 0) return error.graphQLErrors.map((e) => e.message).join('; ');
  return error.networkError ? `The server could not be reached (${error.networkError.message}).` : error.message;
}
