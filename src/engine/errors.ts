/** The error codes a client may see; DESIGN.md fixes the set. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED';

/**
 * An error the caller caused and can act on. The engine throws these; the schema
 * layer turns them into GraphQL errors. Anything else is unexpected and masked.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  /** The input field at fault, as a path such as `input.agents[1].name`. */
  readonly field?: string;

  constructor(code: ErrorCode, message: string, options: { field?: string } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = options.field;
  }
}

export const badInput = (field: string, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('NOT_FOUND', `${what} "${id}" does not exist`);

export const conflict = (message: string): DomainError => new DomainError('CONFLICT', message);
