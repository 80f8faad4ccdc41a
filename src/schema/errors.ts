import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as maskUnexpected } from 'graphql-yoga';
import { DomainError, type ErrorCode } from '../engine/errors.js';

// By name, not instanceof: graphql can be loaded twice (its CJS and ESM builds), as under vitest.
export const isGraphQLError = (value: unknown): value is GraphQLError => value instanceof Error && value.name === 'GraphQLError';

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'PROVIDER_NOT_CONFIGURED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
]);

/** The HTTP status of the codes that have their own; the rest answer as GraphQL results usually do. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 };

/** How many characters of one quoted piece of client input a message may repeat. */
const MAX_ECHO = 100;
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/** graphql-js prints a bad variable's whole value, keys unquoted: `Variable "$x" got invalid value { … } at "x.y"; reason`. */
const INVALID_VALUE = /(got invalid value )[\s\S]*?((?: at "[^"]*")?; [^;]*)$/;
/** A safety net for anything else that repeats input without quotes. */
const MAX_MESSAGE = 400;

/**
 * Bounds what a message repeats of the client's input: a bad variable's printed
 * value is left out, every quoted piece is cut to MAX_ECHO characters, and the
 * whole message to MAX_MESSAGE.
 */
export function limitEcho(message: string): string {
  const bounded = message
    .replace(INVALID_VALUE, '$1(not repeated)$2')
    .replace(QUOTED, (whole, inner: string) => ([...inner].length > MAX_ECHO ? `"${[...inner].slice(0, MAX_ECHO).join('')}…"` : whole));
  return bounded.length > MAX_MESSAGE ? `${bounded.slice(0, MAX_MESSAGE)}…` : bounded;
}

function codeForStatus(status: number | undefined): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMITED';
  return 'BAD_USER_INPUT';
}

/** A DomainError as a client sees it: its code and field, and for auth and limits the HTTP status and headers. */
export function toGraphQLError(error: DomainError, located?: GraphQLError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  const headers: Record<string, string> = {};
  if (error.code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer';
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return createGraphQLError(limitEcho(error.message), {
    nodes: located?.nodes,
    path: located?.path,
    extensions: {
      code: error.code,
      ...(error.field ? { field: error.field } : {}),
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      ...(error.reason ? { reason: error.reason } : {}),
      ...(status ? { http: { status, headers } } : {}),
    },
  });
}

/**
 * An error the server's own checks raised (parser, validation, graphql-armor,
 * CSRF, body size): its code made one of DESIGN.md's, keeping its HTTP status,
 * and at most 100 characters of any quoted input repeated.
 */
export function normalizeClientError(error: GraphQLError): GraphQLError {
  const extensions = error.extensions as { code?: unknown; unexpected?: unknown; http?: { status?: number } };
  // A masked error is the server's fault, not the client's: it keeps its INTERNAL_SERVER_ERROR.
  if (extensions.unexpected === true) return error;
  const code = typeof extensions.code === 'string' && CODES.has(extensions.code) ? extensions.code : codeForStatus(extensions.http?.status);
  // yoga attaches the parser's own error (with the input it quotes) as `originalError`: never to a client.
  const { originalError: _originalError, stack: _stack, ...kept } = error.extensions;
  return createGraphQLError(limitEcho(error.message), { nodes: error.nodes, path: error.path, extensions: { ...kept, code } });
}

/**
 * The one place internal errors become GraphQL errors: a DomainError keeps its
 * code, message and field; a GraphQL error the server raised about the request
 * gets one of our codes; anything else is masked, with no stack or cause.
 */
export function maskError(error: unknown, message: string): Error {
  const located = isGraphQLError(error) ? error : undefined;
  const original = located ? located.originalError : error;
  if (original instanceof DomainError) return toGraphQLError(original, located);
  if (located && (original === undefined || isGraphQLError(original))) return normalizeClientError(located);
  return maskUnexpected(error, message, false);
}

/** An error about the request itself (not the server's fault): a DomainError, or a GraphQL error with no unexpected cause. */
export function isClientError(error: unknown): boolean {
  if (error instanceof DomainError) return true;
  if (!isGraphQLError(error)) return false;
  const cause = error.originalError;
  return cause === undefined || cause instanceof DomainError || isGraphQLError(cause);
}

/** What a log line says of a client's error: its code and bounded message, never the input it quoted at length. */
export function describeClientError(error: unknown): { code?: unknown; message: string } {
  if (error instanceof DomainError) return { code: error.code, message: limitEcho(error.message) };
  if (isGraphQLError(error)) return { code: error.extensions.code, message: limitEcho(error.message) };
  return { message: 'unknown' };
}

/** The code a client is answered for an error of an execution result, read before masking (for a trace). */
export function clientCodeOf(error: GraphQLError): string {
  const original = error.originalError;
  if (original instanceof DomainError) return original.code;
  const { code } = error.extensions;
  const raisedAboutTheRequest = original === undefined || original === null || isGraphQLError(original);
  return raisedAboutTheRequest && typeof code === 'string' && CODES.has(code) ? code : 'INTERNAL_SERVER_ERROR';
}
