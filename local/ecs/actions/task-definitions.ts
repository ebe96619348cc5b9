/** Task definition actions: Register, Describe, Deregister and ListTaskDefinitions. */

import { checkContainerSecrets } from '../container-secrets';
import { clientException, invalidParameter } from '../errors';
import { isValidFargateSize, parseTaskCpu, parseTaskMemory } from '../fargate';
import {
  checkMaxResults,
  decodeToken,
  encodeToken,
  optionalArray,
  optionalInt,
  optionalString,
  readTags,
} from '../input';
import { type EcsState, findTaskDefinition as taskDefinitionIn } from '../state';
import type { Json, TaskDefinitionState } from '../types';
import { taskDefinitionView as viewOf } from '../views';

export const taskDefinitionActions = (state: EcsState) => {
  const { taskDefinitions, arnPrefix, accountId, now } = state;
  const findTaskDefinition = (reference: string) => taskDefinitionIn(state, reference);
  const taskDefinitionView = (definition: TaskDefinitionState) => viewOf(definition, accountId);

  const registerTaskDefinition = (input: Json): Json => {
    const family = optionalString(input, 'family');
    if (!family) throw clientException('Family must be specified.');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
      throw clientException(
        'Family must be up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores.',
      );
    }
    const containerDefinitions = optionalArray(input, 'containerDefinitions');
    if (!containerDefinitions || containerDefinitions.length === 0) {
      throw clientException('Container definitions must be specified.');
    }
    const containers = containerDefinitions.map((raw) => {
      const container = { ...((raw ?? {}) as Json) };
      if (typeof container.name !== 'string' || container.name.length === 0) {
        throw clientException('Container.name should not be null or empty.');
      }
      if (typeof container.image !== 'string' || container.image.length === 0) {
        throw clientException('Container.image should not be null or empty.');
      }
      container.essential = container.essential ?? true;
      return container;
    });
    if (new Set(containers.map((container) => container.name)).size !== containers.length) {
      throw clientException('Container names must be unique within a task definition.');
    }
    if (!containers.some((container) => container.essential === true)) {
      throw clientException('Task definition must contain at least one essential container.');
    }
    const requiresCompatibilities = (optionalArray(input, 'requiresCompatibilities') ?? []).map(String);
    const networkMode = optionalString(input, 'networkMode') ?? 'bridge';
    const cpuText = optionalString(input, 'cpu');
    const memoryText = optionalString(input, 'memory');
    const cpu = cpuText === undefined ? undefined : parseTaskCpu(cpuText);
    const memory = memoryText === undefined ? undefined : parseTaskMemory(memoryText);
    if (cpuText !== undefined && cpu === undefined) throw clientException("Invalid 'cpu' setting for task.");
    if (memoryText !== undefined && memory === undefined)
      throw clientException("Invalid 'memory' setting for task.");
    if (requiresCompatibilities.includes('FARGATE')) {
      if (networkMode !== 'awsvpc') {
        throw clientException('Fargate only supports network mode \u2018awsvpc\u2019.');
      }
      if (cpu === undefined) throw clientException('Fargate requires task definition to have a cpu value.');
      if (memory === undefined)
        throw clientException('Fargate requires task definition to have a memory value.');
      // Tugboat's contract names InvalidParameterException here; real ECS answers this case
      // with a ClientException carrying the same message.
      if (!isValidFargateSize(cpu, memory)) {
        throw invalidParameter(
          `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
        );
      }
    }
    checkContainerSecrets(containers, {
      executionRoleArn: optionalString(input, 'executionRoleArn'),
      fargate: requiresCompatibilities.includes('FARGATE'),
    });
    const tags = readTags(input.tags);
    const revisions = taskDefinitions.get(family) ?? [];
    const revision = (revisions.at(-1)?.revision ?? 0) + 1;
    const {
      family: _family,
      containerDefinitions: _containers,
      cpu: _cpu,
      memory: _memory,
      tags: _tags,
      networkMode: _networkMode,
      requiresCompatibilities: _requires,
      ...rest
    } = input;
    const definition: TaskDefinitionState = {
      family,
      revision,
      arn: `${arnPrefix}:task-definition/${family}:${revision}`,
      status: 'ACTIVE',
      registeredAt: now(),
      tags,
      cpu: cpu === undefined ? undefined : String(cpu),
      memory: memory === undefined ? undefined : String(memory),
      networkMode,
      requiresCompatibilities,
      containerDefinitions: containers,
      rest,
    };
    revisions.push(definition);
    taskDefinitions.set(family, revisions);
    return { taskDefinition: taskDefinitionView(definition), tags };
  };

  const describeTaskDefinition = (input: Json): Json => {
    const reference = optionalString(input, 'taskDefinition');
    if (!reference) throw clientException('taskDefinition must be specified.');
    const definition = findTaskDefinition(reference);
    if (!definition) throw clientException('Unable to describe task definition.');
    const include = (optionalArray(input, 'include') ?? []).map(String);
    return {
      taskDefinition: taskDefinitionView(definition),
      tags: include.includes('TAGS') ? definition.tags : undefined,
    };
  };

  const deregisterTaskDefinition = (input: Json): Json => {
    const reference = optionalString(input, 'taskDefinition');
    if (!reference) throw clientException('taskDefinition must be specified.');
    const name = reference.startsWith('arn:')
      ? reference.slice(reference.indexOf('task-definition/') + 16)
      : reference;
    if (!/:\d+$/.test(name))
      throw clientException(`Invalid revision number. Number: ${name.split(':')[1] ?? ''}`);
    const definition = findTaskDefinition(name);
    if (!definition) throw clientException('The specified task definition does not exist.');
    if (definition.status === 'ACTIVE') {
      definition.status = 'INACTIVE';
      definition.deregisteredAt = now();
    }
    return { taskDefinition: taskDefinitionView(definition) };
  };

  const listTaskDefinitions = (input: Json): Json => {
    const maxResults = optionalInt(input, 'maxResults');
    checkMaxResults(maxResults);
    const familyPrefix = optionalString(input, 'familyPrefix');
    const status = optionalString(input, 'status') ?? 'ACTIVE';
    const sort = optionalString(input, 'sort') ?? 'ASC';
    if (status !== 'ACTIVE' && status !== 'INACTIVE' && status !== 'DELETE_IN_PROGRESS') {
      throw invalidParameter('status must be one of ACTIVE, INACTIVE, DELETE_IN_PROGRESS.');
    }
    if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter('sort must be ASC or DESC.');
    const families = [...taskDefinitions.keys()]
      .filter((family) => familyPrefix === undefined || family.startsWith(familyPrefix))
      .sort();
    const arns: string[] = [];
    for (const family of families) {
      for (const definition of taskDefinitions.get(family) ?? []) {
        if (definition.status === status) arns.push(definition.arn);
      }
    }
    if (sort === 'DESC') arns.reverse();
    const start = decodeToken(optionalString(input, 'nextToken')) ?? 0;
    const limit = maxResults ?? 100;
    return {
      taskDefinitionArns: arns.slice(start, start + limit),
      nextToken: start + limit < arns.length ? encodeToken(start + limit) : undefined,
    };
  };

  return { registerTaskDefinition, describeTaskDefinition, deregisterTaskDefinition, listTaskDefinitions };
};
