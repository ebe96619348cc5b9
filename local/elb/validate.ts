/** ELBv2 requests held to the service model before dispatch (local/models/validate.ts). */
import { serviceModel } from '../models/model';
import { requestViolations, validationMessage } from '../models/validate';
import { validationError } from './errors';
import type { QueryInput } from './query';

/** Throws ValidationError naming every member the model rejects, in the query protocol's wording. */
export const validateRequest = (action: string, input: QueryInput) => {
  const violations = requestViolations(serviceModel('elbv2'), action, input, 'query');
  if (violations.length > 0) throw validationError(validationMessage(violations));
};
