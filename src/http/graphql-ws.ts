import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DocumentNode, ExecutionArgs, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { CloseCode, MessageType, type OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/authenticator.js';
import type { Identity } from '../auth/identity.js';
import { DomainError } from '../engine/errors.js';
import type { GraphQLContext } from '../schema/builder.js';
import { isGraphQLError, normalizeClientError, toGraphQLError } from '../schema/errors.js';
import { isHostAllowed, isOriginAllowed } from './origin-policy.js';
import { ownUtf8, textSender } from './ws-text-frame.js';

export interface GraphQLWsOptions {
  server: Server;
  path: string;
  yoga: Yoga;
  /** The context of one socket operation, as yoga's `context` builds it for a request, with the socket's own hooks. */
  contextOf: (identity: Identity, socketHooks: Required<Pick<GraphQLContext, 'onSlowConsumer' | 'sendPayload'>>) => GraphQLContext;
  authenticator: Authenticator;
  logger: Logger;
  maxPayloadBytes: number;
  maxSubscriptionsPerSocket: number;
  /** Browser origins allowed besides this host's own (CORS_ORIGINS). */
  corsOrigins: readonly string[];
  /** Anonymous on loopback: refuse upgrades addressed to any other host name (DNS rebinding). */
  loopbackHostOnly: boolean;
}

/**
 * The close code of a socket one of whose subscriptions fell more than
 * SUBSCRIBER_BUFFER_EVENTS behind: "Try Again Later". graphql-ws clients
 * reconnect on it; resubscribe with `after` and read `inFlight` to go on.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;
const SLOW_CONSUMER_REASON = 'Slow consumer: subscribe again with after, and read inFlight';

/**
 * Bytes a socket may have waiting to be written before its results stop being
 * written straight to it (GraphQLContext.sendPayload) and go graphql-ws's way,
 * one write at a time, where a reader that keeps falling behind is cut off.
 */
const DIRECT_WRITE_BACKLOG_BYTES = 64 * 1024;

const MESSAGE_END = ownUtf8('}');

/** What the socket learned at connection_init. */
interface SocketExtra {
  identity?: Identity;
}

type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/**
 * yoga's pipeline, enveloped once for every socket operation: its parse and validate
 * (the parser cache and the armor's limits), and its execute and subscribe with every
 * plugin's hooks (error masking, input hygiene, shared subscription results). None of
 * them reads the envelope's context, so one envelope serves all; each operation gets
 * its own small context from `contextOf` instead of yoga's per-request one.
 */
interface SocketPipeline {
  schema: GraphQLSchema;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

// By its tag, not instanceof: graphql can be loaded twice (its CJS and ESM builds), as under vitest.
const isSchema = (value: unknown): value is GraphQLSchema => Object.prototype.toString.call(value) === '[object GraphQLSchema]';

/**
 * yoga's pipeline with graphql-js's types: envelop declares its functions with
 * `any` parameters and results (to work with any graphql version), but they are
 * graphql-js's own, wrapped by the plugins.
 */
function envelopForSockets(yoga: Yoga): SocketPipeline {
  // No request in it: yoga's HTTP-only hooks (a mutation over GET, say) see none and stand aside.
  const enveloped = yoga.getEnveloped({});
  const { parse, validate, execute, subscribe } = enveloped;
  const schema: unknown = enveloped.schema;
  if (!isSchema(schema)) throw new TypeError('yoga has no GraphQL schema');
  return { schema, parse, validate, execute, subscribe };
}

function withoutHttp(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions;
  return { ...error.toJSON(), extensions };
}

function authorizationOf(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  upgradeHeader: string | undefined,
): string | undefined {
  const fromParams = connectionParams?.authorization ?? connectionParams?.Authorization;
  return typeof fromParams === 'string' ? fromParams : upgradeHeader;
}

/**
 * graphql-ws on the same HTTP server and path: authentication at
 * connection_init (4401 without a valid credential), frames capped at
 * `maxPayloadBytes`, a bounded number of subscriptions per socket, and a
 * subscribe that fails to parse answered with an `error` for its id while the
 * socket and its other subscriptions stay up.
 */
export function createGraphQLWsServer({
  server,
  path,
  yoga,
  contextOf,
  authenticator,
  logger,
  maxPayloadBytes,
  maxSubscriptionsPerSocket,
  corsOrigins,
  loopbackHostOnly,
}: GraphQLWsOptions) {
  // ws closes a socket that sends a larger frame with 1009 (message too big).
  const sockets = new WebSocketServer({
    noServer: true,
    path,
    maxPayload: maxPayloadBytes,
    verifyClient: ({ req }: { req: IncomingMessage }) =>
      isOriginAllowed(req.headers.origin, req.headers.host, corsOrigins) && (!loopbackHostOnly || isHostAllowed(req.headers.host)),
  });
  // Upgrades are taken by hand, not with `server`: ws would otherwise re-emit the HTTP server's errors
  // (a busy port at start-up), and graphql-ws prints those as its own internal errors.
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!sockets.shouldHandle(request)) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (websocket) => sockets.emit('connection', websocket, request));
  });
  const extras = new WeakMap<object, SocketExtra>();
  const { schema, parse, validate, execute, subscribe } = envelopForSockets(yoga);

  const graphqlWs = useServer(
    {
      execute,
      subscribe,
      onConnect: async (context) => {
        const authorization = authorizationOf(context.connectionParams, context.extra.request.headers.authorization);
        // The upgrade request's headers were all it was needed for (the origin and host were checked at the upgrade):
        // graphql-ws would otherwise keep it, headers and all, for as long as the socket lives.
        Reflect.set(context.extra, 'request', undefined);
        const result = await authenticator.authenticate(authorization);
        if (!result.ok) {
          logger.info({ reason: result.reason, transport: 'graphql-ws' }, 'connection refused: unauthenticated');
          // graphql-ws would close with 4403; DESIGN.md's contract is 4401, as for a subscribe before init.
          context.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
        extras.set(context.extra.socket, { identity: result.identity });
        return true;
      },
      // Errors carry their HTTP status and headers for yoga; a socket has no HTTP answer to put them in.
      onNext: (_context, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map(withoutHttp) } : undefined,
      onError: (_context, _id, _payload, errors) => errors.map(withoutHttp),
      onSubscribe: (context, id, payload) => {
        // graphql-ws already counts this subscription among the socket's.
        if (Object.keys(context.subscriptions).length > maxSubscriptionsPerSocket) {
          return [
            toGraphQLError(
              new DomainError(
                'RATE_LIMITED',
                `at most ${maxSubscriptionsPerSocket} subscriptions per socket (MAX_SUBSCRIPTIONS_PER_SOCKET); complete one first`,
              ),
            ),
          ];
        }
        const identity = extras.get(context.extra.socket)?.identity;
        if (!identity) return [toGraphQLError(new DomainError('UNAUTHENTICATED', 'Unauthenticated'))];
        const { socket } = context.extra;
        // Its buffered frames stay behind the close frame; ws destroys a socket that never reads them.
        const onSlowConsumer = () => socket.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON);
        // The message graphql-ws would write for a result without errors: {id, type, payload}, in that order.
        // Made on the first write, with the way to write it: an idle subscription holds neither.
        let messageStart: Buffer | undefined;
        let sendText: ((parts: readonly Buffer[]) => void) | undefined;
        const sendPayload = (payload: Buffer): boolean => {
          const writable = socket.readyState === socket.OPEN && socket.bufferedAmount <= DIRECT_WRITE_BACKLOG_BYTES;
          // Completed by the client: graphql-ws forgets the id before the stream hears of it.
          if (!writable || !(id in context.subscriptions)) return false;
          messageStart ??= ownUtf8(`{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`);
          sendText ??= textSender(socket);
          sendText([messageStart, payload, MESSAGE_END]);
          return true;
        };
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          // Thrown, it would close the whole socket with 4500.
          if (isGraphQLError(error)) return [normalizeClientError(error)];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map(normalizeClientError);
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: contextOf(identity, { onSlowConsumer, sendPayload }),
        };
      },
    },
    sockets,
  );
  return { dispose: () => graphqlWs.dispose() };
}
