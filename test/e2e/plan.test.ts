import { beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/reconcile/plan/types';
import { isLive, serviceTasks } from '../support/ecs';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/**
 * GET .../plan against what the reconciler then does. No reconcile worker runs: the test makes each
 * pass itself, right after reading the plan, so nothing else acts on the service in between.
 */
let reconcile: (cluster: string, serviceName: string) => Promise<unknown>;

const local = useTestStack({ timing: 'driven', workerConcurrency: 0 });

beforeAll(() => {
  // The same composition root as the worker, built after the stack set the environment.
  const reconciler = local.reconciler();
  reconcile = (cluster, serviceName) => reconciler.reconcile(cluster, serviceName);
});

type ReconcileOutcome = { status: string; plan: { actions: Action[] }; launched: number; stopped: number };

const readPlan = async (): Promise<{ actions: Action[]; deployments: Array<{ id: string }> }> => {
  const response = await local.api.get('/clusters/default/services/planned/plan');
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
};

/** Reads the plan, then lets the reconciler act; the two must agree action for action. */
const planThenReconcile = async () => {
  const dryRun = await readPlan();
  const outcome = (await reconcile('default', 'planned')) as ReconcileOutcome;
  expect(outcome.status).toBe('reconciled');
  expect(outcome.plan.actions).toEqual(dryRun.actions);
  const launches = dryRun.actions.filter((action) => action.type === 'launch');
  const stops = dryRun.actions.filter((action) => action.type === 'stop');
  expect(outcome.launched).toBe(launches.reduce((sum, action) => sum + action.count, 0));
  expect(outcome.stopped).toBe(stops.length);
  return dryRun;
};

const liveImages = async () =>
  (await serviceTasks(local.ecs, 'planned'))
    .filter(isLive)
    .map((task) => `${task.lastStatus} ${task.containers?.[0]?.image}`)
    .sort();

describe('GET .../plan shows what the next reconcile does', () => {
  it('plans the launches of a new service, each with its reason, and the reconciler makes them', async () => {
    expect(
      (
        await local.api.post('/task-definitions', {
          family: 'planned',
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'app', image: 'nginx:1' }],
        })
      ).status,
    ).toBe(201);
    const created = await local.api.post('/clusters/default/services', {
      serviceName: 'planned',
      taskDefinition: 'planned',
      desiredCount: 2,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    expect(created.status).toBe(201);
    const deploymentId = created.body.deployments[0].id;

    const dryRun = await planThenReconcile();
    expect(dryRun.actions).toEqual([
      expect.objectContaining({ type: 'launch', deploymentId, count: 2, reason: expect.any(String) }),
    ]);
    // A dry run executes nothing: only the reconcile launched the two tasks.
    await eventually('2 RUNNING tasks', async () => {
      const images = await liveImages();
      return images.join() === 'RUNNING nginx:1,RUNNING nginx:1' ? true : undefined;
    });
  });

  it('plans nothing for a steady service, and a rolling deployment step by step', async () => {
    // Settle: once the inventory shows both tasks RUNNING, a pass completes the deployment.
    await eventually('a steady plan', async () => {
      await reconcile('default', 'planned');
      const plan = await readPlan();
      const busy = plan.actions.some((action) => action.type === 'launch' || action.type === 'stop');
      const service = (await local.api.get('/clusters/default/services/planned')).body;
      return !busy && service.deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    });
    expect((await planThenReconcile()).actions.filter((action) => action.type !== 'hold')).toEqual([]);

    const started = await local.api.post('/clusters/default/services/planned/deployments', {
      image: 'nginx:2',
    });
    expect(started.status).toBe(202);
    const newId = started.body.id;
    // Nothing launched by the deploy itself: the reconciler does that, as planned.
    expect(await liveImages()).toEqual(['RUNNING nginx:1', 'RUNNING nginx:1']);
    const launch = await planThenReconcile();
    expect(launch.actions).toEqual([
      expect.objectContaining({ type: 'launch', deploymentId: newId, count: 2 }),
    ]);

    await eventually('the new tasks RUNNING in the inventory, so the old ones can go', async () => {
      const plan = await readPlan();
      return plan.actions.filter((action) => action.type === 'stop').length === 2 ? true : undefined;
    });
    const replace = await planThenReconcile();
    const stops = replace.actions.filter((action) => action.type === 'stop');
    expect(stops).toHaveLength(2);
    for (const stop of stops) {
      expect(stop).toMatchObject({ cause: 'replaced', reason: expect.any(String) });
      expect(stop.deploymentId).not.toBe(newId);
    }
    await eventually('only nginx:2 left', async () => {
      const images = await liveImages();
      return images.join() === 'RUNNING nginx:2,RUNNING nginx:2' ? true : undefined;
    });
  });

  it('answers 404 for an unknown service', async () => {
    expect((await local.api.get('/clusters/default/services/nope/plan')).status).toBe(404);
  });
});
