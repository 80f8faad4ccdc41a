import { ProviderError, type ProviderErrorKind } from './errors.js';

// Every adapter builds its ProviderError here, so the wording is the same for
// all vendors and only facts we chose (status, a vendor error code) reach the
// message. Vendor bodies can echo the key ("Incorrect API key provided: sk-…")
// and are never copied, not even as `cause`: loggers print causes.

const PHRASES: Record<ProviderErrorKind, string> = {
  rate_limited: 'rate limited the request',
  overloaded: 'is overloaded',
  authentication: 'rejected the credentials',
  bad_request: 'rejected the request as invalid',
  server: 'failed with a server error',
  network: 'could not be reached',
  cancelled: 'request was cancelled',
  unknown: 'request failed unexpectedly',
};

export interface VendorErrorDetails {
  status?: number;
  /** A vendor error code such as `insufficient_quota`; dropped unless it looks like an identifier. */
  code?: string | null;
  /** Our own wording when the kind's default phrase would mislead. */
  phrase?: string;
}

/** A vendor code is kept only when it is a short identifier, never free text from a body. */
export function sanitizeErrorCode(code: string | null | undefined): string | undefined {
  if (typeof code !== 'string') return undefined;
  return /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/.test(code) ? code : undefined;
}

/** "Anthropic rate limited the request (HTTP 429, rate_limit_error)". */
export function describeVendorError(vendor: string, kind: ProviderErrorKind, details: VendorErrorDetails = {}): string {
  const facts: string[] = [];
  if (details.status !== undefined) facts.push(`HTTP ${details.status}`);
  const code = sanitizeErrorCode(details.code);
  if (code !== undefined) facts.push(code);
  const suffix = facts.length > 0 ? ` (${facts.join(', ')})` : '';
  return `${vendor} ${details.phrase ?? PHRASES[kind]}${suffix}`;
}

export function createVendorError(vendor: string, kind: ProviderErrorKind, details: VendorErrorDetails = {}): ProviderError {
  return new ProviderError(kind, describeVendorError(vendor, kind, details), { status: details.status });
}

/** The kind an HTTP status means when the vendor says nothing more specific. */
export function mapStatusToKind(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 529) return 'overloaded';
  if (status === 401 || status === 402 || status === 403) return 'authentication';
  if (status === 408) return 'network';
  if (status >= 400 && status < 500) return 'bad_request';
  if (status >= 500 && status < 600) return 'server';
  return 'unknown';
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function errorCodeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('code' in value)) return undefined;
  return typeof value.code === 'string' ? value.code : undefined;
}

function causeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'cause' in value ? value.cause : undefined;
}

/**
 * Recognises a dropped or refused connection from fetch (undici throws a
 * `TypeError` such as "terminated" or "fetch failed" with a coded cause).
 * Returns the system code when one is found, `true` when only the shape matches.
 */
export function detectConnectionFailure(error: unknown): string | boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    const code = errorCodeOf(current);
    if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('UND_ERR_'))) return code;
    current = causeOf(current);
  }
  return error instanceof TypeError && /terminated|fetch failed|socket|network/i.test(error.message);
}

/** A refused or dropped connection, naming the system code when there is one. */
export function createConnectionError(vendor: string, cause: unknown): ProviderError {
  const code = detectConnectionFailure(cause);
  return createVendorError(vendor, 'network', { phrase: 'connection failed', code: typeof code === 'string' ? code : undefined });
}

/** The error for anything that is not the vendor SDK's own error type. */
export function mapUnexpectedError(vendor: string, error: unknown): ProviderError {
  return detectConnectionFailure(error) === false ? createVendorError(vendor, 'unknown') : createConnectionError(vendor, error);
}

/** A stream that ended cleanly but without the vendor's end-of-reply marker lost its tail. */
export function createTruncatedStreamError(vendor: string): ProviderError {
  return createVendorError(vendor, 'network', { phrase: 'ended the stream before the reply was complete' });
}
