import { context, propagation, SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { clientCodeOf } from '../schema/errors.js';
import { tracer } from '../tracing/tracing.js';

interface Operation {
  document: DocumentNode;
  operationName?: string | null;
  contextValue?: unknown;
}

const isExecutionResult = (value: unknown): value is ExecutionResult =>
  typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);

const isHeaders = (value: unknown): value is Headers =>
  typeof value === 'object' &&
  value !== null &&
  typeof Reflect.get(value, 'get') === 'function' &&
  typeof Reflect.get(value, 'keys') === 'function';

/** A caller's own `traceparent` header makes the operation a child of the caller's span (HTTP only: graphql-ws has no headers per operation). */
function parentOf(contextValue: unknown): Context {
  // yoga's Request is whatwg-node's, not necessarily the global class: look at its headers, not its prototype.
  const request: unknown = typeof contextValue === 'object' && contextValue !== null ? Reflect.get(contextValue, 'request') : undefined;
  const headers: unknown = typeof request === 'object' && request !== null ? Reflect.get(request, 'headers') : undefined;
  if (!isHeaders(headers)) return context.active();
  return propagation.extract(context.active(), headers, {
    get: (headers, key) => headers.get(key) ?? undefined,
    keys: (headers) => [...headers.keys()],
  });
}

/**
 * A span per GraphQL operation (`mutation startDiscussion`, with the semantic
 * conventions' `graphql.operation.*`), active while it executes: a turn it
 * enqueues carries it, so the turns are its children. A subscription's span
 * covers setting it up, not the hours it may stay open. The document and the
 * variables are never recorded: they may hold a discussion's text.
 */
export function useTracing(): Plugin {
  async function traced<T>(operation: Operation, run: () => Promise<T> | T): Promise<T> {
    const definition = getOperationAST(operation.document, operation.operationName ?? undefined);
    const type = definition?.operation ?? 'unknown';
    const name = definition?.name?.value ?? operation.operationName ?? undefined;
    const attributes = { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) };
    return tracer().startActiveSpan(
      name ? `${type} ${name}` : type,
      { kind: SpanKind.SERVER, attributes },
      parentOf(operation.contextValue),
      async (span) => {
        try {
          const result = await run();
          const errors = isExecutionResult(result) ? (result.errors ?? []) : [];
          if (errors.length > 0) {
            const codes = errors.map(clientCodeOf);
            span.setAttribute('graphql.error.codes', [...new Set(codes)]);
            span.setStatus({ code: SpanStatusCode.ERROR, message: codes[0] });
          }
          return result;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => traced(args, (): unknown => executeFn(args)));
    },
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn((args) => traced(args, (): unknown => subscribeFn(args)));
    },
  };
}
