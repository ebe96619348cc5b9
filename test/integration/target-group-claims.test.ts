/**
 * A target group serves one service: creating or PATCHing a service onto a target group that another
 * service (not INACTIVE) uses is a 409 naming that service, also when two requests race for the group;
 * a service deleted or moved off a group frees it. Through the HTTP API and DynamoDB Local, every
 * answer checked against the OpenAPI document.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'instant', contract: true });

beforeAll(async () => {
  expect((await local.api.post('/task-definitions', webTaskDefinition('tg', 'nginx:1'))).status).toBe(201);
});

let groups = 0;
/** A target group ARN of its own (the API checks only its shape; no task ever runs behind it here). */
const newTargetGroup = () =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/claims-${++groups}/${groups.toString(16).padStart(16, '0')}`;
const behind = (...targetGroupArns: string[]) =>
  targetGroupArns.map((targetGroupArn) => ({ targetGroupArn, containerName: 'web', containerPort: 80 }));
const create = (name: string, targetGroupArns: string[]) =>
  local.api.post('/clusters/default/services', {
    ...webService(name, 'tg', 0),
    ...(targetGroupArns.length > 0 ? { loadBalancers: behind(...targetGroupArns) } : {}),
  });
const move = (name: string, targetGroupArns: string[]) =>
  local.api.patch(`/clusters/default/services/${name}`, { loadBalancers: behind(...targetGroupArns) });
const inUseBy = (name: string) => new RegExp(`is used by service ${name} in cluster default`);

describe('a target group serves one service', () => {
  it('creating or PATCHing onto a target group another service uses is a 409 naming it', async () => {
    const [shared, other] = [newTargetGroup(), newTargetGroup()];
    expect((await create('owner', [shared])).status).toBe(201);

    const second = await create('intruder', [other, shared]);
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(inUseBy('owner'));
    expect(second.body.error.message).toContain(shared);
    // Nothing of the refused create was written: the other group is still free.
    expect((await local.api.get('/clusters/default/services/intruder')).status).toBe(404);
    expect((await create('bystander', [other])).status).toBe(201);

    const patched = await move('bystander', [shared]);
    expect(patched.status).toBe(409);
    expect(patched.body.error.message).toMatch(inUseBy('owner'));
    expect((await local.api.get('/clusters/default/services/bystander')).body.loadBalancers).toEqual(
      behind(other),
    );
    // A PATCH that keeps its own group is no conflict.
    expect((await move('owner', [shared])).status).toBe(200);
  });

  it('of creates racing for one target group, exactly one wins; the others name it', async () => {
    for (let round = 0; round < 5; round++) {
      const group = newTargetGroup();
      const names = [0, 1, 2].map((i) => `race-${round}-${i}`);
      const answers = await Promise.all(names.map((name) => create(name, [group])));
      const winners = names.filter((_, i) => answers[i]?.status === 201);
      expect(winners, JSON.stringify(answers.map((a) => a.body))).toHaveLength(1);
      for (const answer of answers.filter((a) => a.status !== 201)) {
        expect(answer.status).toBe(409);
        expect(answer.body.error.message).toMatch(inUseBy(winners[0] ?? ''));
      }
    }
  });

  it('of PATCHes racing onto one free target group, exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const group = newTargetGroup();
      const names = [0, 1, 2].map((i) => `patch-race-${round}-${i}`);
      for (const name of names) expect((await create(name, [])).status).toBe(201);
      const answers = await Promise.all(names.map((name) => move(name, [group])));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(2);
    }
  });

  it('a service that moved off a target group frees it, and racing takers of it get it once', async () => {
    const [first, second] = [newTargetGroup(), newTargetGroup()];
    expect((await create('mover', [first])).status).toBe(201);
    expect((await move('mover', [second])).status).toBe(200);
    const names = ['taker-1', 'taker-2', 'taker-3'];
    const answers = await Promise.all(names.map((name) => create(name, [first])));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    // The mover cannot come back while the taker uses it.
    const back = await move('mover', [first]);
    expect(back.status).toBe(409);
    expect(back.body.error.message).toMatch(/is used by service taker-\d in cluster default/);
  });

  it('a deleted service holds its target group while DRAINING and frees it once INACTIVE', async () => {
    const group = newTargetGroup();
    expect((await create('leaving', [group])).status).toBe(201);
    expect((await local.api.delete('/clusters/default/services/leaving')).body.status).toBe('DRAINING');
    // DRAINING or already INACTIVE (the reconciler is quick here): held only while not INACTIVE.
    const meanwhile = await create('heir', [group]);
    const status = (await local.api.get('/clusters/default/services/leaving')).body.status;
    if (meanwhile.status === 409) expect(meanwhile.body.error.message).toMatch(inUseBy('leaving'));
    else expect(status).toBe('INACTIVE');
    await eventually('the deleted service INACTIVE', async () =>
      (await local.api.get('/clusters/default/services/leaving')).body.status === 'INACTIVE'
        ? true
        : undefined,
    );
    if (meanwhile.status === 409) expect((await create('heir', [group])).status).toBe(201);
    // Created again under its old name, the deleted service finds the group taken.
    const again = await create('leaving', [group]);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(inUseBy('heir'));
  });
});
