import { createServer, type Server } from 'node:http';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Logger } from 'pino';
import { createAuthenticator } from '../auth/authenticator.js';
import type { Identity } from '../auth/identity.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { DiscussionService, OwnerDiscussions } from '../engine/discussion-service.js';
import type { Pricing } from '../pricing/pricing.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ToolHub } from '../tools/types.js';
import type { GraphQLContext } from '../schema/builder.js';
import { describeClientError, isClientError, maskError } from '../schema/errors.js';
import { GRAPHIQL_EXAMPLE } from '../schema/graphiql-example.js';
import { schema } from '../schema/index.js';
import { createGraphQLWsServer } from './graphql-ws.js';
import { useLoopbackHostOnly } from './origin-policy.js';
import { securityPlugins } from './security-plugins.js';
import { useBearerAuth } from './use-bearer-auth.js';
import { useInputHygiene } from './use-input-hygiene.js';
import { useMultipartSubscriptions } from './use-multipart-subscriptions.js';
import { type SendPayload, useSharedSubscriptionResults } from './use-shared-subscription-results.js';
import { useSubscriptionGauge } from './use-subscription-gauge.js';
import { useTracing } from './use-tracing.js';
import { createWebApp } from './web-app.js';

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
export const READY_PATH = '/ready';

export interface HttpServer {
  server: Server;
  /** Ends every WebSocket subscription. */
  closeSubscriptions(): Promise<void>;
}

const isPayloadSender = (value: unknown): value is SendPayload => typeof value === 'function';

/** graphql-ws subscriptions write their results' payloads themselves (GraphQLContext.sendPayload). */
function sendPayloadOf(contextValue: unknown): SendPayload | undefined {
  const sendPayload: unknown =
    typeof contextValue === 'object' && contextValue !== null ? Reflect.get(contextValue, 'sendPayload') : undefined;
  return isPayloadSender(sendPayload) ? sendPayload : undefined;
}

/** Subscriptions of one identity share their results; an owner's and an admin's do not. */
function shareScopeOf(contextValue: unknown): string | undefined {
  if (typeof contextValue !== 'object' || contextValue === null || !('identity' in contextValue)) return undefined;
  const { identity } = contextValue;
  if (typeof identity !== 'object' || identity === null || !('owner' in identity) || !('admin' in identity)) return undefined;
  return JSON.stringify([identity.owner, identity.admin]);
}

/**
 * The API: yoga over HTTP (queries, mutations, SSE subscriptions, GraphiQL,
 * /health, /ready) and graphql-ws on the same server and path, each request
 * authenticated and scoped to its caller's owner.
 */
export function createGraphQLServer({
  config,
  logger,
  discussions,
  providers,
  pricing,
  tools,
  isReady,
  metrics,
}: {
  config: Config;
  logger: Logger;
  discussions: DiscussionService;
  providers: ProviderRegistry;
  /** Prices `Usage.costUsd`. */
  pricing: Pricing;
  /** The MCP servers, for the `mcpServers` query; none listed when absent. */
  tools?: ToolHub;
  isReady: () => Promise<boolean>;
  metrics?: Metrics;
}): HttpServer {
  const authenticator = createAuthenticator(config.auth, logger);
  // Anonymous without ALLOW_ANONYMOUS listens on loopback only, and must be addressed as loopback too.
  const loopbackHostOnly = !authenticator.required && !config.auth.allowAnonymous;
  const bearerAuth = useBearerAuth({ authenticator, logger });
  // One scoped service per identity object, not one per operation: each idle subscription keeps its context
  // alive, and a socket's subscriptions all share the identity it authenticated with.
  const scoped = new WeakMap<Identity, OwnerDiscussions>();
  const discussionsFor = (identity: Identity): OwnerDiscussions => {
    const cached = scoped.get(identity);
    if (cached) return cached;
    const created = discussions.forIdentity(identity);
    scoped.set(identity, created);
    return created;
  };
  const contextOf = (identity: Identity, socketHooks: Pick<GraphQLContext, 'onSlowConsumer' | 'sendPayload'> = {}): GraphQLContext => ({
    identity,
    discussions: discussionsFor(identity),
    providers,
    pricing,
    tools,
    ...socketHooks,
  });
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    // HTTP requests were authenticated before parsing; graphql-ws sockets at connection_init (contextOf below).
    context: ({ request }: { request: Request }) => contextOf(bearerAuth.identityOf(request)),
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: HEALTH_PATH,
    // GraphiQL needs introspection: it goes with it. A browser cannot put the Headers tab's Authorization on a
    // WebSocket, so with auth on GraphiQL subscribes over SSE, where every request carries it.
    graphiql: config.introspection
      ? { title: 'Discussion orchestrator', subscriptionsProtocol: authenticator.required ? 'SSE' : 'WS', defaultQuery: GRAPHIQL_EXAMPLE }
      : false,
    renderGraphiQL,
    landingPage: false,
    maskedErrors: { maskError },
    maxRequestBodySize: config.limits.maxBodyBytes,
    // No CORS headers at all unless origins are listed; an unlisted origin is never echoed, and credentials are never allowed.
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: false } : false,
    plugins: [
      ...(loopbackHostOnly ? [useLoopbackHostOnly()] : []),
      useReadinessCheck({ endpoint: READY_PATH, check: isReady }),
      ...(config.tracing.endpoint ? [useTracing()] : []),
      bearerAuth.plugin,
      ...securityPlugins({ limits: config.limits, introspection: config.introspection }),
      useInputHygiene(),
      useSharedSubscriptionResults({ scopeOf: shareScopeOf, sendPayloadOf }),
      useMultipartSubscriptions(),
      // yoga's graphql_* metrics, in the app's registry (src/metrics.ts serves it). No label a client chooses:
      // operation names, paths and URLs are left out; operation types, phases and the schema's own names are bounded.
      ...(metrics
        ? [
            useSubscriptionGauge(metrics),
            usePrometheus({
              registry: metrics.registry,
              endpoint: false,
              labels: { operationName: false, path: false, url: false, operationType: true, phase: true, method: true, statusCode: true },
            }),
          ]
        : []),
    ],
    logging: {
      debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
      info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
      warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
      // yoga reports every error it rewrites here; a client's mistake is not the server's error.
      error: (error: unknown, ...args: unknown[]) =>
        isClientError(error)
          ? logger.info({ error: describeClientError(error) }, 'request refused')
          : logger.error({ err: error, args }, 'unexpected error'),
    },
  });

  const webApp = createWebApp();
  if (!webApp.built) logger.warn('the web view is not built (web/dist is missing): run `npm run build:web` to serve it at /');
  const server: Server = createServer((request, response) => {
    if (metrics?.handle(request, response) || webApp.handle(request, response)) return;
    void yoga.requestListener(request, response);
  });
  const graphqlWs = createGraphQLWsServer({
    server,
    path: GRAPHQL_PATH,
    yoga,
    contextOf,
    authenticator,
    logger,
    maxPayloadBytes: config.limits.maxBodyBytes,
    maxSubscriptionsPerSocket: config.limits.maxSubscriptionsPerSocket,
    corsOrigins: config.corsOrigins,
    loopbackHostOnly,
  });
  return { server, closeSubscriptions: async () => await graphqlWs.dispose() };
}

/** A worker's HTTP: only /health (the process is up), /ready (its Redis and queue answer) and /metrics. */
export function createHealthServer({ isReady, metrics }: { isReady: () => Promise<boolean>; metrics?: Metrics }): HttpServer {
  const server = createServer((request, response) => {
    if (metrics?.handle(request, response)) return;
    // A request target that does not parse as a URL (`//[`) is answered 404, not thrown.
    const path = URL.parse(request.url ?? '/', 'http://worker')?.pathname;
    const answer = (status: number, body: string) => response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    if (path === HEALTH_PATH) return answer(200, 'ok');
    if (path !== READY_PATH) return answer(404, 'a worker serves only /health, /ready and /metrics');
    isReady().then(
      (ready) => answer(ready ? 200 : 503, ready ? 'ready' : 'not ready'),
      () => answer(503, 'not ready'),
    );
  });
  return { server, closeSubscriptions: async () => {} };
}
