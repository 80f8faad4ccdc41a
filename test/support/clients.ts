import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import { Collector } from './collector.js';

// What the server answers is parsed before a test reads it: a response that does
// not have the shape a test expects fails there, not as a confusing assertion later.
// The envelope and its errors are loose objects, so parsing keeps every key the
// server sent (a test that checks nothing leaks must see all of it).

/** One GraphQL error as the server formats it. */
export const graphQLErrorSchema = z.looseObject({
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
  extensions: z.looseObject({ code: z.string().optional(), field: z.string().optional() }).optional(),
});
export type FormattedError = z.output<typeof graphQLErrorSchema>;

/** A GraphQL response body, with `data` not yet checked. */
export const graphQLResponseSchema = z.looseObject({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z.array(graphQLErrorSchema).optional(),
});

export interface GraphQLResponse<Data> {
  data?: Data | null;
  errors?: FormattedError[];
}

/** A response over HTTP: its status and headers, and the body. */
export interface HttpGraphQLResponse<Data> {
  status: number;
  headers: Headers;
  body: GraphQLResponse<Data>;
}

/** How a test client identifies itself: a bearer token, or nothing (anonymous mode). */
export interface ClientAuth {
  token?: string;
}

/** Who sends a request, and the schema its `data` must match. */
export interface TypedRequest<Data> extends ClientAuth {
  schema: z.ZodType<Data>;
}

type Variables = Record<string, unknown>;

const anyData = z.record(z.string(), z.unknown());

const authorization = ({ token }: ClientAuth = {}): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/** The body parsed as a GraphQL response whose `data`, when there is any, `schema` checks. */
function parseResponse<Data>(body: unknown, schema: z.ZodType<Data>): GraphQLResponse<Data> {
  const { data, ...rest } = graphQLResponseSchema.parse(body);
  if (data === undefined) return rest;
  return { ...rest, data: data === null ? null : schema.parse(data) };
}

/** A query or mutation over plain HTTP, as any client would send it; the HTTP response comes along. */
export function requestGraphQL(
  url: string,
  query: string,
  variables?: Variables,
  auth?: ClientAuth,
): Promise<HttpGraphQLResponse<Record<string, unknown>>>;
export function requestGraphQL<Data>(
  url: string,
  query: string,
  variables: Variables | undefined,
  request: TypedRequest<Data>,
): Promise<HttpGraphQLResponse<Data>>;
export async function requestGraphQL(
  url: string,
  query: string,
  variables?: Variables,
  { schema = anyData, ...auth }: ClientAuth & { schema?: z.ZodType } = {},
): Promise<HttpGraphQLResponse<unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorization(auth) },
    body: JSON.stringify({ query, variables }),
  });
  const body: unknown = await response.json();
  return { status: response.status, headers: response.headers, body: parseResponse(body, schema) };
}

/** A query or mutation over plain HTTP, as any client would send it. */
export async function postGraphQL(
  url: string,
  query: string,
  variables?: Variables,
  auth?: ClientAuth,
): Promise<GraphQLResponse<Record<string, unknown>>> {
  return (await requestGraphQL(url, query, variables, auth)).body;
}

/** Like postGraphQL, but fails the test on any GraphQL error; with a `schema`, the data is what it parses. */
export function mustGraphQL(url: string, query: string, variables?: Variables, auth?: ClientAuth): Promise<Record<string, unknown>>;
export function mustGraphQL<Data>(url: string, query: string, variables: Variables | undefined, request: TypedRequest<Data>): Promise<Data>;
export async function mustGraphQL(
  url: string,
  query: string,
  variables?: Variables,
  request: ClientAuth & { schema?: z.ZodType } = {},
): Promise<unknown> {
  const { body } = await requestGraphQL(url, query, variables, { schema: anyData, ...request });
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export interface Subscription<T> {
  collector: Collector<T>;
  close(): void;
}

/** A graphql-ws client over `ws`, one per test file or app. */
export function createWsClient(httpUrl: string, auth?: ClientAuth): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: auth?.token === undefined ? undefined : { authorization: `Bearer ${auth.token}` },
  });
}

/** Disposes graphql-ws clients together (`dispose` returns a promise or nothing). */
export async function disposeClients(clients: readonly Client[]): Promise<void> {
  await Promise.all(clients.map(async (client) => client.dispose()));
}

/** Pushes one delivered payload: its errors fail the collector, else `field` of its data, as `schema` parses it. */
function deliver<T>(collector: Collector<T>, payload: GraphQLResponse<Record<string, unknown>>, field: string, schema: z.ZodType<T>): void {
  if (payload.errors?.length) return collector.fail(payload.errors);
  if (!payload.data) return;
  const parsed = schema.safeParse(payload.data[field]);
  if (parsed.success) collector.push(parsed.data);
  else collector.fail(parsed.error);
}

/**
 * Subscribes over graphql-ws; each value of `field` is parsed with `schema` (z.unknown()
 * when the test reads none). `app.whenListening` tells when the server has set it up.
 */
export function subscribeWs<T>(
  client: Client,
  query: string,
  variables: Variables,
  field: string,
  schema: z.ZodType<T>,
): Promise<Subscription<T>> {
  const collector = new Collector<T>();
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        const payload = graphQLResponseSchema.safeParse(result);
        if (payload.success) deliver(collector, payload.data, field, schema);
        else collector.fail(payload.error);
      },
      error: (error) => collector.fail(error),
      complete: () => collector.complete(),
    },
  );
  return Promise.resolve({ collector, close: dispose });
}

/** Subscribes over SSE (graphql-yoga's distinct-connections mode) with fetch; values as in subscribeWs. */
export async function subscribeSse<T>(
  httpUrl: string,
  query: string,
  variables: Variables,
  field: string,
  schema: z.ZodType<T>,
  auth?: ClientAuth,
): Promise<Subscription<T>> {
  const collector = new Collector<T>();
  const controller = new AbortController();
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorization(auth) },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.body) throw new Error('SSE response has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') return collector.complete();
          if (event === 'next' && data) deliver(collector, graphQLResponseSchema.parse(JSON.parse(data)), field, schema);
        }
      }
      collector.complete();
    } catch (error) {
      if (!controller.signal.aborted) collector.fail(error);
      else collector.complete();
    }
  })();
  return { collector, close: () => controller.abort() };
}
