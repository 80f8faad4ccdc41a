import type { Plugin } from 'graphql-yoga';
import { isAsyncIterable } from 'graphql-yoga';
import type { Metrics, SubscriptionTransport } from '../metrics.js';

/** graphql-ws contexts carry no HTTP request; yoga's own (SSE, multipart) do (a Fetch API Request, maybe whatwg-node's). */
function transportOf(contextValue: unknown): SubscriptionTransport {
  const request: unknown = typeof contextValue === 'object' && contextValue !== null ? Reflect.get(contextValue, 'request') : undefined;
  const headers: unknown = typeof request === 'object' && request !== null ? Reflect.get(request, 'headers') : undefined;
  const get: unknown = headers instanceof Object ? Reflect.get(headers, 'get') : undefined;
  if (typeof get !== 'function') return 'graphql-ws';
  const accept: unknown = Reflect.apply(get, headers, ['accept']);
  return typeof accept === 'string' && accept.includes('multipart/mixed') ? 'multipart' : 'sse';
}

/** Counts open subscriptions by transport in `orchestrator_subscriptions_active`: up when a stream begins, down when it ends. */
export function useSubscriptionGauge(metrics: Metrics): Plugin {
  return {
    onSubscribe({ args }) {
      const transport = transportOf(args.contextValue);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) return undefined;
          return { onEnd: metrics.subscriptionStarted(transport) };
        },
      };
    },
  };
}
