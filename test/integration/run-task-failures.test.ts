import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack';

describe("RunTask's failures (no reconcile worker: the test drives every pass)", () => {
  // Tasks take long to start: the one launched must not become healthy (a success) before the next pass.
  const local = useTestStack({ timing: 'pending', workerConcurrency: 0 });

  it('are recorded with their reason, count as failed launches, and are not replayed', async () => {
    await local.api.post('/task-definitions', {
      family: 'partial',
      cpu: 256,
      memory: 512,
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }],
    });
    await local.api.post('/clusters/default/services', {
      serviceName: 'partial',
      taskDefinition: 'partial',
      desiredCount: 3,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minReadySeconds: 0 },
    });
    const real = local.runtime.ecsFor('default');
    // ECS launches one task of the three and lists the other two as failures.
    let runTaskCalls = 0;
    const reconciler = local.reconciler({
      ecsFor: () => ({
        ...real,
        runTasks: async (request) => {
          runTaskCalls++;
          const result = await real.runTasks({ ...request, count: 1 });
          return {
            tasks: result.tasks,
            failures: [
              { arn: 'arn:aws:ecs:us-east-1:000000000000:container-instance/x', reason: 'RESOURCE:ENI' },
              { arn: 'arn:aws:ecs:us-east-1:000000000000:container-instance/y', reason: 'RESOURCE:ENI' },
            ],
          };
        },
      }),
      leaseMs: 1_000,
    });
    const outcome = await reconciler.reconcile('default', 'partial');
    expect(outcome).toMatchObject({ status: 'reconciled', launched: 1 });
    const events = await local.api.get('/clusters/default/services/partial/events');
    expect(events.body.items.map((event: { message: string }) => event.message)).toContainEqual(
      expect.stringMatching(/unable to launch 2 of 3 tasks of deployment .*: RunTask failures: RESOURCE:ENI/),
    );
    const service = await local.store.getService('default', 'partial');
    expect(service?.inflightLaunches).toBeUndefined();
    expect(service?.deployments[0]?.launchRefusals?.map((refusal) => refusal.count)).toEqual([2]);

    // The next pass counts them as failed launches, two in a row, so it backs off; nothing is replayed.
    await reconciler.reconcile('default', 'partial');
    const next = await local.store.getService('default', 'partial');
    expect(next?.deployments[0]?.failedTasks).toBe(2);
    expect(next?.deployments[0]?.consecutiveFailures).toBe(2);
    expect(next?.deployments[0]?.backoffUntil).toBeDefined();
    expect(runTaskCalls).toBe(1);
  }, 60_000);
});
