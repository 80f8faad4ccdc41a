export type ProviderErrorKind =
  'rate_limited' | 'overloaded' | 'authentication' | 'bad_request' | 'server' | 'network' | 'cancelled' | 'unknown';

const RETRYABLE: Record<ProviderErrorKind, boolean> = {
  rate_limited: true,
  overloaded: true,
  authentication: false,
  bad_request: false,
  server: true,
  network: true,
  cancelled: false,
  unknown: false,
};

/**
 * The single error type every adapter turns its SDK's errors into. The message
 * is written by us, never copied from a vendor body, so no key or prompt leaks.
 */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly status?: number;

  constructor(kind: ProviderErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.retryable = RETRYABLE[kind];
    this.status = options.status;
  }
}
