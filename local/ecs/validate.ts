/**
 * ECS requests held to the ECS service model before dispatch (local/models/validate.ts), answered with
 * the message naming every member the model rejects. ECS refuses a task definition with ClientException
 * ("Container.image should not be null or empty.", "Invalid 'cpu' setting for task."), and any other
 * request's bad parameters with InvalidParameterException; both are in every operation's modelled errors.
 */
import { serviceModel } from '../models/model';
import { requestViolations, validationMessage } from '../models/validate';
import { clientException, invalidParameter } from './errors';

export const validateRequest = (action: string, input: unknown) => {
  const violations = requestViolations(serviceModel('ecs'), action, input, 'json');
  if (violations.length === 0) return;
  const message = validationMessage(violations);
  throw action === 'RegisterTaskDefinition' ? clientException(message) : invalidParameter(message);
};
