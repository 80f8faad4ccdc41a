/** The error codes a client may see; DESIGN.md fixes the set. */
export type ErrorCode =
  'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'PROVIDER_NOT_CONFIGURED' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RATE_LIMITED';

/**
 * An error the caller caused and can act on. The engine throws these; the schema
 * layer turns them into GraphQL errors. Anything else is unexpected and masked.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  /** The input field at fault, as a path such as `input.agents[1].name`. */
  readonly field?: string;

  /** RATE_LIMITED: when the caller may try again. */
  readonly retryAfterSeconds?: number;
  /** Which limit, where one code covers several (e.g. SLOW_CONSUMER). */
  readonly reason?: string;

  constructor(code: ErrorCode, message: string, options: { field?: string; retryAfterSeconds?: number; reason?: string } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.reason = options.reason;
  }
}

export const badInput = (field: string, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field });

/** Client input as it may appear in a message: at most 100 characters of it. */
export function quoteInput(value: string): string {
  const characters = [...value];
  return JSON.stringify(characters.length > 100 ? `${characters.slice(0, 100).join('')}…` : value);
}

export const notFound = (what: string, id: string): DomainError => new DomainError('NOT_FOUND', `${what} ${quoteInput(id)} does not exist`);

export const rateLimited = (message: string, retryAfterSeconds: number): DomainError =>
  new DomainError('RATE_LIMITED', `Rate limited: ${message}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });

/** A subscription that fell `capacity` events behind was ended; the message says how to resume. */
export const slowConsumer = (capacity: number): DomainError =>
  new DomainError(
    'RATE_LIMITED',
    `This subscription fell more than ${capacity} events behind and was ended (SUBSCRIBER_BUFFER_EVENTS). ` +
      'Subscribe again with `after` set to the last cursor you received, and read `Discussion.inFlight` for the text being written.',
    { reason: 'SLOW_CONSUMER', retryAfterSeconds: 0 },
  );

export const conflict = (message: string): DomainError => new DomainError('CONFLICT', message);
