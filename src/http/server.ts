import { createServer, type Server } from 'node:http';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DiscussionService } from '../engine/discussion-service.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { GraphQLContext } from '../schema/builder.js';
import { maskError } from '../schema/errors.js';
import { GRAPHIQL_EXAMPLE } from '../schema/graphiql-example.js';
import { schema } from '../schema/index.js';

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
export const READY_PATH = '/ready';
/** Every request acts for this owner until authentication lands. */
const PUBLIC_OWNER = 'public';

export interface HttpServer {
  server: Server;
  /** Ends every WebSocket subscription. */
  closeSubscriptions(): Promise<void>;
}

/**
 * The API: yoga over HTTP (queries, mutations, SSE subscriptions, GraphiQL,
 * /health, /ready) and graphql-ws on the same server and path.
 */
export function createGraphQLServer({
  config,
  logger,
  discussions,
  providers,
  isReady,
}: {
  config: Config;
  logger: Logger;
  discussions: DiscussionService;
  providers: ProviderRegistry;
  isReady: () => Promise<boolean>;
}): HttpServer {
  const context = (): GraphQLContext => ({ owner: PUBLIC_OWNER, discussions, providers });
  const yoga = createYoga({
    schema,
    context,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: HEALTH_PATH,
    graphiql: { title: 'Discussion orchestrator', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_EXAMPLE },
    renderGraphiQL,
    landingPage: false,
    maskedErrors: { maskError },
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: true } : undefined,
    plugins: [useReadinessCheck({ endpoint: READY_PATH, check: isReady })],
    logging: {
      debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
      info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
      warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
      error: (...args: unknown[]) => logger.error({ args }, 'yoga'),
    },
  });

  type EnvelopedRoot = Pick<ReturnType<typeof yoga.getEnveloped>, 'execute' | 'subscribe'>;
  const server: Server = createServer(yoga);
  const sockets = new WebSocketServer({ server, path: GRAPHQL_PATH });
  const graphqlWs = useServer(
    {
      // onSubscribe below puts yoga's enveloped execute and subscribe in the root value.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (socketContext, _id, payload) => {
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...socketContext,
          req: socketContext.extra.request,
          socket: socketContext.extra.socket,
          params: payload,
        });
        const args = {
          schema: envelopedSchema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    sockets,
  );
  return { server, closeSubscriptions: async () => await graphqlWs.dispose() };
}

/** A worker's HTTP: only /health (the process is up) and /ready (its Redis and queue answer). */
export function createHealthServer({ isReady }: { isReady: () => Promise<boolean> }): HttpServer {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    const answer = (status: number, body: string) => response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    if (path === HEALTH_PATH) return answer(200, 'ok');
    if (path !== READY_PATH) return answer(404, 'a worker serves only /health and /ready');
    isReady().then(
      (ready) => answer(ready ? 200 : 503, ready ? 'ready' : 'not ready'),
      () => answer(503, 'not ready'),
    );
  });
  return { server, closeSubscriptions: async () => {} };
}
