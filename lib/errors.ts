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

/** A TugboatError class of one status and code, taking a message and the error that caused it. */
const withStatus = (statusCode: number, code: string) =>
  class extends TugboatError {
    constructor(message: string, cause?: unknown) {
      super(message, { statusCode, code, cause });
    }
  };

export class NotFoundError extends withStatus(404, 'NotFound') {}

export class MethodNotAllowedError extends TugboatError {
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message, { statusCode: 405, code: 'MethodNotAllowed' });
  }
}

/** A create that found the resource already there, or a state that forbids the request. */
export class ConflictError extends withStatus(409, 'Conflict') {}

/** An If-Match precondition that no longer holds. */
export class PreconditionFailedError extends withStatus(412, 'PreconditionFailed') {}

export class PayloadTooLargeError extends withStatus(413, 'PayloadTooLarge') {}

/**
 * A conditional write lost a race (optimistic locking). Use cases either retry on it or, where the
 * caller named a version, turn it into a PreconditionFailedError.
 */
export class VersionConflictError extends withStatus(409, 'VersionConflict') {}

/** A dependency (DynamoDB, ECS, SQS) failed in a way the caller may retry. */
export class DependencyError extends withStatus(503, 'DependencyUnavailable') {}

export const isTugboatError = (error: unknown): error is TugboatError => error instanceof TugboatError;
