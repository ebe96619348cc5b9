/**
 * An error as CloudWatch puts it on the wire. CloudWatch's model is awsQuery-compatible: the JSON body's
 * `__type` names the error shape, and `x-amzn-query-error: <Code>;Sender` carries the query-era code
 * (InvalidParameterValue, MissingParameter, ...) that the SDK and botocore report as the error's code.
 */
export class CloudWatchServiceError extends Error {
  readonly shape: string;
  readonly code: string;
  readonly statusCode: number;

  constructor(shape: string, code: string, message: string, statusCode = 400) {
    super(message);
    this.name = shape;
    this.shape = shape;
    this.code = code;
    this.statusCode = statusCode;
  }

  get fault(): 'Sender' | 'Receiver' {
    return this.statusCode < 500 ? 'Sender' : 'Receiver';
  }
}

export const invalidParameterValue = (message: string) =>
  new CloudWatchServiceError('InvalidParameterValueException', 'InvalidParameterValue', message);
export const missingParameter = (parameter: string) =>
  new CloudWatchServiceError(
    'MissingRequiredParameterException',
    'MissingParameter',
    `The parameter ${parameter} is required.`,
  );
export const invalidParameterCombination = (message: string) =>
  new CloudWatchServiceError('InvalidParameterCombinationException', 'InvalidParameterCombination', message);
export const invalidNextToken = () =>
  new CloudWatchServiceError(
    'InvalidNextToken',
    'InvalidNextToken',
    'The service cannot process the NextToken.',
  );
export const throttled = () =>
  new CloudWatchServiceError('ThrottlingException', 'Throttling', 'Rate exceeded');
export const unknownOperation = (action: string) =>
  new CloudWatchServiceError(
    'UnknownOperationException',
    'InvalidAction',
    action ? `The action ${action} is not valid for this web service.` : 'Missing action.',
  );
export const internalFault = () =>
  new CloudWatchServiceError('InternalServiceFault', 'InternalServiceError', 'Internal service error.', 500);
