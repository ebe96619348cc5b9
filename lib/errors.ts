/**
 * The one error hierarchy. Every error a use case raises on purpose is a TugboatError with an HTTP
 * status; the HTTP error mapper shows the message of anything under 500 and hides everything else.
 */
export class TugboatError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details?: unknown;

  constructor(
    message: string,
    options: { statusCode: number; code: string; details?: unknown; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = options.statusCode;
    this.code = options.code;
    this.details = options.details;
  }
}

export class ValidationError extends TugboatError {
  constructor(message: string, details?: unknown, cause?: unknown) {
    super(message, { statusCode: 400, code: 'ValidationError', details, cause });
  }
}

export class NotFoundError extends TugboatError {
  constructor(message: string, cause?: unknown) {
    super(message, { statusCode: 404, code: 'NotFound', cause });
  }
}

export class MethodNotAllowedError extends TugboatError {
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message, { statusCode: 405, code: 'MethodNotAllowed' });
  }
}

/** A create that found the resource already there, or a state that forbids the request. */
export class ConflictError extends TugboatError {
  constructor(message: string, cause?: unknown) {
    super(message, { statusCode: 409, code: 'Conflict', cause });
  }
}

/** An If-Match precondition that no longer holds. */
export class PreconditionFailedError extends TugboatError {
  constructor(message: string, cause?: unknown) {
    super(message, { statusCode: 412, code: 'PreconditionFailed', cause });
  }
}

export class PayloadTooLargeError extends TugboatError {
  constructor(message: string) {
    super(message, { statusCode: 413, code: 'PayloadTooLarge' });
  }
}

/**
 * A conditional write lost a race (optimistic locking). Use cases either retry on it or, where the
 * caller named a version, turn it into a PreconditionFailedError.
 */
export class VersionConflictError extends TugboatError {
  constructor(message: string, cause?: unknown) {
    super(message, { statusCode: 409, code: 'VersionConflict', cause });
  }
}

/** A dependency (DynamoDB, ECS, SQS) failed in a way the caller may retry. */
export class DependencyError extends TugboatError {
  constructor(message: string, cause?: unknown) {
    super(message, { statusCode: 503, code: 'DependencyUnavailable', cause });
  }
}

export const isTugboatError = (error: unknown): error is TugboatError => error instanceof TugboatError;
