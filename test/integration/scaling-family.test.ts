import { describe, expect, it } from 'vitest';
import { registerTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

// CPU and memory are measured per task definition family in a cluster: a service scaling on them shares
// its family with no other service nor one-off task there.
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const cpu = { name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 };

const local = useTestStack({ contract: true });
const register = (family: string) => registerTaskDefinition(local.api, family, 'nginx:1');

const create = (serviceName: string, taskDefinition: string, autoScaling?: unknown) =>
  local.api.post('/clusters/default/services', {
    serviceName,
    taskDefinition,
    desiredCount: 0,
    networkConfiguration: network,
    ...(autoScaling ? { autoScaling } : {}),
  });

describe('CPU and memory scaling on a family of its own', () => {
  it('refuses a second service, or a one-off task, on the family of a CPU-scaled service', async () => {
    const shared = await register('shared');
    expect(
      (await create('scaled', shared, { minCapacity: 1, maxCapacity: 4, targetTracking: [cpu] })).status,
    ).toBe(201);
    const second = await create('second', shared);
    expect(second.status).toBe(400);
    expect(second.body.error.message).toMatch(
      /^taskDefinition: service scaled scales on CPU or memory of family shared/,
    );
    const oneOff = await local.api.post('/clusters/default/tasks', {
      taskDefinition: 'shared',
      networkConfiguration: network,
    });
    expect(oneOff.status).toBe(400);
    expect(oneOff.body.error.message).toContain('would be counted as this service scaled');
  });

  it('refuses a CPU policy on a family another service already runs, naming the field', async () => {
    const plain = await register('plain');
    expect((await create('first', plain)).status).toBe(201);
    const scaled = await create('other', plain, { minCapacity: 1, maxCapacity: 4, targetTracking: [cpu] });
    expect(scaled.status).toBe(400);
    expect(scaled.body.error.message).toMatch(
      /^autoScaling\.targetTracking\[0\]\.metric: service first also runs family plain in cluster default/,
    );
    const patched = await local.api.patch('/clusters/default/services/first', {
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 4,
        targetTracking: [{ ...cpu, metric: { predefined: 'MemoryUtilization' } }],
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200); // alone on its family: accepted
    expect((await create('plain-too', plain)).status).toBe(400);
  });
});
