import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Collector } from './collector.js';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

/** How a test client identifies itself: a bearer token, or nothing (anonymous mode). */
export interface ClientAuth {
  token?: string;
}

const authorization = ({ token }: ClientAuth = {}): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });

/** A query or mutation over plain HTTP, as any client would send it; the HTTP response comes along. */
export async function requestGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  auth?: ClientAuth,
): Promise<{ status: number; headers: Headers; body: GraphQLResponse<T> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorization(auth) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T> };
}

/** A query or mutation over plain HTTP, as any client would send it. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  auth?: ClientAuth,
): Promise<GraphQLResponse<T>> {
  return (await requestGraphQL<T>(url, query, variables, auth)).body;
}

/** Like postGraphQL, but fails the test on any GraphQL error. */
export async function mustGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  auth?: ClientAuth,
): Promise<T> {
  const response = await postGraphQL<T>(url, query, variables, auth);
  if (response.errors?.length || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
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

/** Subscribes over graphql-ws; `app.whenListening` tells when the server has set it up. */
export async function subscribeWs<T>(client: Client, query: string, variables: Record<string, unknown>, field: string): Promise<Subscription<T>> {
  const collector = new Collector<T>();
  const dispose = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) collector.fail(result.errors);
        else if (result.data) collector.push(result.data[field] as T);
      },
      error: (error) => collector.fail(error),
      complete: () => collector.complete(),
    },
  );
  return { collector, close: dispose };
}

/** Subscribes over SSE (graphql-yoga's distinct-connections mode) with fetch. */
export async function subscribeSse<T>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown>,
  field: string,
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
          if (event === 'next' && data) {
            const payload = JSON.parse(data) as GraphQLResponse<Record<string, T>>;
            if (payload.errors?.length) collector.fail(payload.errors);
            else if (payload.data) collector.push(payload.data[field] as T);
          }
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
