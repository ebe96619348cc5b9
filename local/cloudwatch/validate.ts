/**
 * CloudWatch requests held to the service model before dispatch (local/models/validate.ts): a missing
 * member is MissingParameter, any other violation InvalidParameterValue (the errors the model gives for
 * "required" and "bad or out-of-range"), with parameters named as the query protocol names them.
 */
import { serviceModel } from '../models/model';
import { queryPath, requestViolations, validationMessage } from '../models/validate';
import { invalidParameterValue, missingParameter } from './errors';
import type { Json } from './input';

export const validateRequest = (action: string, input: Json) => {
  const violations = requestViolations(serviceModel('cloudwatch'), action, input, 'json');
  const missing = violations.find((violation) => violation.kind === 'required');
  if (missing) throw missingParameter(queryPath(missing.path));
  if (violations.length > 0) throw invalidParameterValue(validationMessage(violations, queryPath));
};
