import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors';
import { parseIfMatch } from '../../lib/use-cases/services';
import { isValidFargateCombination } from '../../lib/validation/fargate';
import { parseInput } from '../../lib/validation/parse';
import { createServiceSchema, registerTaskDefinitionSchema } from '../../lib/validation/schemas';

describe('Fargate cpu/memory table', () => {
  it.each([
    [256, 512, true],
    [256, 1024, true],
    [256, 2048, true],
    [256, 3072, false],
    [256, 4096, false],
    [512, 1024, true],
    [512, 4096, true],
    [512, 5120, false],
    [1024, 2048, true],
    [1024, 8192, true],
    [1024, 1024, false],
    [2048, 4096, true],
    [2048, 16384, true],
    [2048, 17408, false],
    [4096, 8192, true],
    [4096, 30720, true],
    [4096, 31744, false],
    [8192, 16384, true],
    [8192, 20480, true],
    [8192, 17408, false],
    [8192, 61440, true],
    [16384, 32768, true],
    [16384, 40960, true],
    [16384, 36864, false],
    [16384, 122880, true],
    [128, 512, false],
  ])('%i CPU with %i MiB is valid: %s', (cpu, memory, valid) => {
    expect(isValidFargateCombination(cpu, memory)).toBe(valid);
  });
});

const validTaskDefinition = {
  family: 'web',
  cpu: '256',
  memory: 512,
  containerDefinitions: [{ name: 'web', image: 'nginx:1.27' }],
};

const messageOf = (schema: Parameters<typeof parseInput>[0], body: unknown): string => {
  try {
    parseInput(schema, body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
};

describe('task definition schema', () => {
  it('normalizes cpu and memory to ECS strings and fills ECS defaults', () => {
    const parsed = parseInput(registerTaskDefinitionSchema(), validTaskDefinition);
    expect(parsed.cpu).toBe('256');
    expect(parsed.memory).toBe('512');
    expect(parsed.containerDefinitions[0]?.essential).toBe(true);
  });

  it.each([
    [{ healthCheck: { command: ['CMD'], interval: 301 } }, /interval: must be between 5 and 300/],
    [{ healthCheck: { command: ['CMD'], timeout: 1 } }, /timeout: must be between 2 and 60/],
    [{ healthCheck: { command: ['CMD'], retries: 11 } }, /retries: must be between 1 and 10/],
    [{ healthCheck: { command: ['CMD'], startPeriod: 301 } }, /startPeriod: must be between 0 and 300/],
    [{ healthCheck: { command: [] } }, /command: must have at least one element/],
    [{ name: 'bad.name' }, /name: may contain only/],
    [{ image: '' }, /image: must not be empty/],
    [{ portMappings: [{ containerPort: 70000 }] }, /containerPort: must be between 1 and 65535/],
  ])('rejects container %j', (override, message) => {
    const body = {
      ...validTaskDefinition,
      containerDefinitions: [{ name: 'web', image: 'nginx', ...override }],
    };
    expect(messageOf(registerTaskDefinitionSchema(), body)).toMatch(message);
  });

  it('accepts names of exactly 255 characters and rejects 256', () => {
    expect(
      parseInput(registerTaskDefinitionSchema(), { ...validTaskDefinition, family: 'a'.repeat(255) }).family,
    ).toHaveLength(255);
    expect(
      messageOf(registerTaskDefinitionSchema(), { ...validTaskDefinition, family: 'a'.repeat(256) }),
    ).toMatch(/family/);
  });

  it('names every wrong field at once', () => {
    const message = messageOf(registerTaskDefinitionSchema(), {
      family: '',
      cpu: 'lots',
      containerDefinitions: [],
    });
    expect(message).toMatch(/family: must not be empty/);
    expect(message).toMatch(/cpu: "lots" is not allowed: must be CPU units/);
    expect(message).toMatch(/memory/);
    expect(message).toMatch(/containerDefinitions: must have at least one container/);
  });
});

describe('cpu and memory say what is allowed', () => {
  it('blames cpu, not memory, for a size Fargate lacks, and lists the sizes', () => {
    expect(messageOf(registerTaskDefinitionSchema(), { ...validTaskDefinition, cpu: '300' })).toBe(
      'Invalid request body: cpu: 300 CPU units is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384',
    );
  });

  it('accepts ECS\'s "1 vCPU" and "2 GB" forms and stores units and MiB', () => {
    const parsed = parseInput(registerTaskDefinitionSchema(), {
      ...validTaskDefinition,
      cpu: '1 vCPU',
      memory: '2 GB',
    });
    expect([parsed.cpu, parsed.memory]).toEqual(['1024', '2048']);
    const quarter = parseInput(registerTaskDefinitionSchema(), {
      ...validTaskDefinition,
      cpu: '0.25 vcpu',
      memory: '0.5GB',
    });
    expect([quarter.cpu, quarter.memory]).toEqual(['256', '512']);
  });

  it('never says NaN, and names the type it expects', () => {
    const wrongType = messageOf(registerTaskDefinitionSchema(), { ...validTaskDefinition, cpu: true });
    expect(wrongType).toBe(
      'Invalid request body: cpu: true is not allowed: must be CPU units as a number or a string of digits (256, 512, 1024, 2048, 4096, 8192 or 16384), or vCPUs such as "1 vCPU"',
    );
    const badUnit = messageOf(registerTaskDefinitionSchema(), { ...validTaskDefinition, memory: '2 TB' });
    expect(badUnit).toMatch(/^Invalid request body: memory: "2 TB" is not allowed: must be MiB/);
    expect(badUnit).not.toMatch(/NaN/);
  });
});

describe('service schema', () => {
  const validService = {
    serviceName: 'web',
    taskDefinition: 'web:1',
    desiredCount: 1,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'] } },
  };

  it.each([
    [{ taskDefinition: 'web:0' }, /taskDefinition/],
    [{ taskDefinition: 'web:1:2' }, /taskDefinition/],
    [{ desiredCount: 1.5 }, /desiredCount: must be an integer/],
    [{ capacityProviderStrategy: [] }, /capacityProviderStrategy: must have at least one item/],
    [{ capacityProviderStrategy: [{ capacityProvider: 'EC2' }] }, /capacityProvider/],
    [
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }, { capacityProvider: 'FARGATE_SPOT' }] },
      /weight greater than 0/,
    ],
    [
      {
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE', weight: 1 },
          { capacityProvider: 'FARGATE', weight: 1 },
        ],
      },
      /only once/,
    ],
    [{ deploymentConfiguration: { maximumPercent: 99 } }, /maximumPercent/],
    [
      { networkConfiguration: { awsvpcConfiguration: { subnets: ['sg-123'] } } },
      /must be "subnet-" followed by 8 or 17 hexadecimal digits/,
    ],
    [
      { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], assignPublicIp: 'YES' } } },
      /assignPublicIp/,
    ],
    [{ autoDeploy: { tagPattern: 'v$' } }, /tagPattern/],
    [{ tags: [{ key: 'aws:x', value: '1' }] }, /reserved/],
  ])('rejects %j', (override, message) => {
    expect(messageOf(createServiceSchema(), { ...validService, ...override })).toMatch(message);
  });

  it('accepts a FARGATE/FARGATE_SPOT strategy with a base and weights', () => {
    const parsed = parseInput(createServiceSchema(), {
      ...validService,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 2, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
    });
    expect(parsed.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', base: 2, weight: 1 },
      { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 3 },
    ]);
  });
});

describe('If-Match', () => {
  it.each([
    ['"3"', 3],
    ['3', 3],
    ['W/"12"', 12],
    ['*', undefined],
    [undefined, undefined],
  ])('%s -> %s', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });
  it('rejects a malformed If-Match with 400', () => {
    expect(() => parseIfMatch('"abc"')).toThrow(ValidationError);
  });
});
