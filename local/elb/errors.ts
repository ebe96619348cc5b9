/**
 * An error as Elastic Load Balancing puts it on the wire: `<ErrorResponse><Error><Type>Sender</Type>
 * <Code>...</Code><Message>...</Message></Error>...` with the status the service model gives the code. These
 * are the emulated service's responses, not Tugboat errors, so they stay outside lib/errors.ts.
 */
export class ElbServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Sender for the caller's faults, Receiver for the service's. */
  readonly type: 'Sender' | 'Receiver';

  constructor(code: string, message: string, statusCode = 400) {
    super(message);
    this.name = code;
    this.code = code;
    this.statusCode = statusCode;
    this.type = statusCode >= 500 ? 'Receiver' : 'Sender';
  }
}

export const validationError = (message: string) => new ElbServiceError('ValidationError', message);
export const targetGroupNotFound = (message = 'One or more target groups not found') =>
  new ElbServiceError('TargetGroupNotFound', message);
export const invalidTarget = (message: string) => new ElbServiceError('InvalidTarget', message);
export const invalidConfiguration = (message: string) =>
  new ElbServiceError('InvalidConfigurationRequest', message);

/** The AWS query protocol's wording for a member outside its modelled range. */
export const constraintError = (member: string, value: unknown, constraint: string) =>
  validationError(
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
