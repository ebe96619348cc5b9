import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Deployment, Service } from '../../../lib/domain';
import { plan } from '../../../lib/reconcile/plan/plan';
import type {
  Action,
  ObservedTask,
  PlanResult,
  TaskDefinitionFacts,
  TaskLastStatus,
  TaskStopCode,
} from '../../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, iso, S, service, T0, task } from '../../support/plan';
import { type Revision, Simulation } from './sim';

const ofType = <T extends Action['type']>(result: PlanResult, type: T) =>
  result.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
const launched = (result: PlanResult) => ofType(result, 'launch').reduce((n, a) => n + a.count, 0);

// The test's own reading of the floor, kept apart from lib/reconcile on purpose.
const isLive = (t: ObservedTask) =>
  t.desiredStatus === 'RUNNING' &&
  ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(t.lastStatus);
/** RUNNING, the floor's count: a task its health check reports UNHEALTHY is not counted (nor by ECS). */
const runningCount = (tasks: ObservedTask[], hasHealthCheck: (t: ObservedTask) => boolean) =>
  tasks.filter(
    (t) => isLive(t) && t.lastStatus === 'RUNNING' && !(hasHealthCheck(t) && t.healthStatus === 'UNHEALTHY'),
  ).length;

/** dep-1 (web:1, COMPLETED) being replaced by dep-2 (web:2, PRIMARY, just made). */
const rollingService = (desired: number, min: number, max: number, minReadySeconds: number) =>
  service({
    desiredCount: desired,
    taskDefinition: 'web:2',
    healthCheckGracePeriodSeconds: 3600,
    deploymentConfiguration: deploymentConfiguration({
      minimumHealthyPercent: min,
      maximumPercent: max,
      minReadySeconds,
    }),
    deployments: [
      deployment('dep-2', 'web:2', { createdAt: iso(T0 - S), lastProgressAt: iso(T0 - S) }),
      deployment('dep-1', 'web:1', {
        status: 'ACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 3600 * S),
      }),
    ],
  });

describe('the healthy floor during a rolling deploy', () => {
  // Old tasks: `ready` RUNNING and ready, `readying` RUNNING inside minReadySeconds (or the health
  // check's start period), `sick` reported UNHEALTHY within the grace period; new ones likewise.
  it.each([
    {
      name: 'the issue: one old task replaced and not yet ready; none is stopped for room',
      min: 100,
      max: 200,
      healthCheck: false,
      old: { ready: 2, readying: 1, sick: 0 },
      fresh: { ready: 0, readying: 0 },
      stops: 0,
      launch: 3,
    },
    {
      name: 'the same with a health check still in its start period',
      min: 100,
      max: 200,
      healthCheck: true,
      old: { ready: 2, readying: 1, sick: 0 },
      fresh: { ready: 0, readying: 0 },
      stops: 0,
      launch: 3,
    },
    {
      name: 'a readying old task may go when the floor holds without it',
      min: 50,
      max: 200,
      healthCheck: false,
      old: { ready: 2, readying: 1, sick: 0 },
      fresh: { ready: 0, readying: 0 },
      stops: 1,
      launch: 3,
    },
    {
      name: 'an UNHEALTHY old task goes first, whatever the floor',
      min: 100,
      max: 200,
      healthCheck: true,
      old: { ready: 2, readying: 0, sick: 1 },
      fresh: { ready: 0, readying: 0 },
      stops: 1,
      launch: 3,
    },
    {
      name: 'new tasks not yet ready do not make room for stopping readying old ones',
      min: 100,
      max: 200,
      healthCheck: false,
      old: { ready: 2, readying: 1, sick: 0 },
      fresh: { ready: 0, readying: 3 },
      stops: 0,
      launch: 0,
    },
    {
      name: 'one new task ready makes room for one old one, the readying one first',
      min: 100,
      max: 200,
      healthCheck: false,
      old: { ready: 2, readying: 1, sick: 0 },
      fresh: { ready: 1, readying: 2 },
      stops: 1,
      launch: 0,
    },
  ])('$name', (c) => {
    const svc = rollingService(3, c.min, c.max, 3);
    const ready = c.healthCheck ? { healthStatus: 'HEALTHY' as const } : {};
    const readying = { createdAt: T0 - 5 * S, startedAt: T0 - S };
    const readyingOld = Array.from({ length: c.old.readying }, () => task('dep-1', readying));
    const tasks = [
      ...Array.from({ length: c.old.ready }, () => task('dep-1', ready)),
      ...readyingOld,
      ...Array.from({ length: c.old.sick }, () => task('dep-1', { healthStatus: 'UNHEALTHY' })),
      // The task that was stopped by hand: it ran and was healthy.
      task('dep-1', {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'UserInitiated',
        stoppedAt: T0 - 2 * S,
        healthyAt: T0 - 580 * S,
      }),
      ...Array.from({ length: c.fresh.ready }, () => task('dep-2', ready)),
      ...Array.from({ length: c.fresh.readying }, () => task('dep-2', readying)),
    ];
    const facts = { 'web:1': { hasHealthCheck: c.healthCheck }, 'web:2': { hasHealthCheck: c.healthCheck } };
    const result = plan({ service: svc, observedTasks: tasks, taskDefinitions: facts, now: T0 });
    const stops = ofType(result, 'stop');
    expect(stops).toHaveLength(c.stops);
    expect(launched(result)).toBe(c.launch);
    if (c.stops === 1 && c.old.readying > 0) expect(stops[0]?.taskArn).toBe(readyingOld[0]?.taskArn);
    const left = tasks.filter((t) => !stops.some((s) => s.taskArn === t.taskArn));
    const floor = Math.ceil((3 * c.min) / 100);
    const hasHealthCheck = () => c.healthCheck;
    if (runningCount(tasks, hasHealthCheck) >= floor) {
      expect(runningCount(left, hasHealthCheck)).toBeGreaterThanOrEqual(floor);
    }
  });

  it('the issue, simulated at 400 ms steps: no step takes RUNNING below 3', () => {
    const revisions: Record<string, Revision> = {
      'web:1': { hasHealthCheck: false, behaviour: 'healthy' },
      'web:2': { hasHealthCheck: false, behaviour: 'healthy' },
    };
    const config = deploymentConfiguration({
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      minReadySeconds: 3,
    });
    const sim = new Simulation(service({ desiredCount: 3, deploymentConfiguration: config }), revisions, 400);
    sim.runUntil((s) => s.primary().rolloutState === 'COMPLETED');
    sim.kill(sim.liveTasksOf('web:1')[0]!.taskArn);
    // Launch the replacement, then let it reach RUNNING: it is RUNNING but not ready for 3 s.
    sim.runUntil((s) => s.liveTasksOf('web:1').length === 3 && s.runningCount() === 3, 5);
    expect(sim.healthyCount()).toBe(2);
    sim.deploy('web:2');
    const first = sim.step();
    expect(ofType(first, 'stop')).toEqual([]);
    expect(launched(first)).toBe(3);
    // Every further step checks the RUNNING floor itself (sim.ts).
    sim.runUntil(
      (s) => s.primary().taskDefinition === 'web:2' && s.primary().rolloutState === 'COMPLETED',
      40,
    );
    expect(sim.liveTasksOf('web:2')).toHaveLength(3);
  });
});

// ---- property tests over random services, deployments and task states ----

const LIVE_OR_NOT: TaskLastStatus[] = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'RUNNING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPED',
];
const STOP_CODES: TaskStopCode[] = [
  'TaskFailedToStart',
  'EssentialContainerExited',
  'UserInitiated',
  'ServiceSchedulerInitiated',
];

const taskArb = fc.record({
  deploymentId: fc.constantFrom('dep-0', 'dep-1', 'dep-2', 'dep-2', 'dep-gone'),
  lastStatus: fc.constantFrom(...LIVE_OR_NOT),
  beingStopped: fc.boolean(),
  healthStatus: fc.constantFrom('HEALTHY' as const, 'UNHEALTHY' as const, 'UNKNOWN' as const),
  runningForSeconds: fc.integer({ min: 0, max: 120 }),
  stopCode: fc.constantFrom(...STOP_CODES),
});

const scenarioArb = fc.record({
  desired: fc.integer({ min: 0, max: 8 }),
  min: fc.oneof(fc.constantFrom(0, 50, 100), fc.integer({ min: 0, max: 100 })),
  max: fc.oneof(fc.constantFrom(100, 150, 200), fc.integer({ min: 100, max: 200 })),
  minReadySeconds: fc.integer({ min: 0, max: 60 }),
  graceSeconds: fc.integer({ min: 0, max: 60 }),
  healthChecks: fc.record({ 'web:0': fc.boolean(), 'web:1': fc.boolean(), 'web:2': fc.boolean() }),
  primaryState: fc.constantFrom(
    'IN_PROGRESS' as const,
    'IN_PROGRESS' as const,
    'COMPLETED' as const,
    'FAILED' as const,
  ),
  breaker: fc.record({ enable: fc.boolean(), rollback: fc.boolean() }),
  progressAgoSeconds: fc.integer({ min: 0, max: 700 }),
  threeDeployments: fc.boolean(),
  tasks: fc.array(taskArb, { maxLength: 14 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const TASK_DEFINITION: Record<string, string> = { 'dep-0': 'web:0', 'dep-1': 'web:1', 'dep-2': 'web:2' };

function buildInput(s: Scenario) {
  const deployments: Deployment[] = [
    deployment('dep-2', 'web:2', {
      rolloutState: s.primaryState,
      createdAt: iso(T0 - 100 * S),
      lastProgressAt: iso(T0 - s.progressAgoSeconds * S),
    }),
    deployment('dep-1', 'web:1', {
      status: 'ACTIVE',
      rolloutState: 'COMPLETED',
      createdAt: iso(T0 - 3600 * S),
    }),
  ];
  if (s.threeDeployments) {
    deployments.push(
      deployment('dep-0', 'web:0', {
        status: 'ACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: iso(T0 - 7200 * S),
      }),
    );
  }
  const svc: Service = service({
    desiredCount: s.desired,
    taskDefinition: 'web:2',
    healthCheckGracePeriodSeconds: s.graceSeconds,
    deploymentConfiguration: deploymentConfiguration({
      minimumHealthyPercent: s.min,
      maximumPercent: s.max,
      minReadySeconds: s.minReadySeconds,
      deploymentCircuitBreaker: s.breaker,
    }),
    deployments,
  });
  const tasks: ObservedTask[] = s.tasks.map((t, i) => {
    const started = ['RUNNING', 'DEACTIVATING', 'STOPPED'].includes(t.lastStatus);
    return {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/p${i}`,
      deploymentId: t.deploymentId,
      lastStatus: t.lastStatus,
      desiredStatus: t.lastStatus === 'STOPPED' || t.beingStopped ? 'STOPPED' : 'RUNNING',
      healthStatus: t.healthStatus,
      createdAt: T0 - (t.runningForSeconds + 10) * S,
      ...(started ? { startedAt: T0 - t.runningForSeconds * S } : {}),
      ...(t.lastStatus === 'STOPPED' ? { stoppedAt: T0 - S, stopCode: t.stopCode } : {}),
    };
  });
  const taskDefinitions: Record<string, TaskDefinitionFacts> = Object.fromEntries(
    Object.entries(s.healthChecks).map(([td, hasHealthCheck]) => [td, { hasHealthCheck }]),
  );
  // A task of no deployment of the service (an orphan) has no known task definition, so no health check.
  const known = new Set(deployments.map((d) => d.id));
  const hasHealthCheck = (t: ObservedTask) =>
    known.has(t.deploymentId) && (s.healthChecks[TASK_DEFINITION[t.deploymentId] as 'web:1'] ?? false);
  return { svc, tasks, taskDefinitions, hasHealthCheck };
}

describe('plan() keeps ECS limits (property)', () => {
  it('a planned stop never takes RUNNING below ceil(desired x min / 100) when it was there, nor healthy', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { svc, tasks, taskDefinitions, hasHealthCheck } = buildInput(s);
        const result = plan({ service: svc, observedTasks: tasks, taskDefinitions, now: T0 });
        const stopped = new Set(ofType(result, 'stop').map((a) => a.taskArn));
        const left = tasks.filter((t) => !stopped.has(t.taskArn));
        const floor = Math.ceil((s.desired * s.min) / 100);
        if (runningCount(tasks, hasHealthCheck) >= floor) {
          expect(runningCount(left, hasHealthCheck)).toBeGreaterThanOrEqual(floor);
        }
        // Read literally, UNHEALTHY ones included: only the stops of UNHEALTHY tasks may lower RUNNING.
        const everyRunning = (list: ObservedTask[]) => runningCount(list, () => false);
        const sick = tasks.filter(
          (t) => stopped.has(t.taskArn) && hasHealthCheck(t) && t.healthStatus === 'UNHEALTHY',
        );
        if (everyRunning(tasks) - everyRunning(sick) >= floor) {
          expect(everyRunning(left)).toBeGreaterThanOrEqual(floor);
        }
        const healthy = (list: ObservedTask[]) =>
          list.filter(
            (t) =>
              isLive(t) &&
              t.lastStatus === 'RUNNING' &&
              (hasHealthCheck(t)
                ? t.healthStatus === 'HEALTHY'
                : T0 - (t.startedAt ?? t.createdAt) >= s.minReadySeconds * S),
          ).length;
        if (healthy(tasks) >= floor) expect(healthy(left)).toBeGreaterThanOrEqual(floor);
      }),
      { numRuns: 2000 },
    );
  });

  it('RUNNING + PENDING never exceeds floor(desired x max / 100) after the launches, when within before', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { svc, tasks, taskDefinitions } = buildInput(s);
        const result = plan({ service: svc, observedTasks: tasks, taskDefinitions, now: T0 });
        const stopped = new Set(ofType(result, 'stop').map((a) => a.taskArn));
        const cap = Math.floor((s.desired * s.max) / 100);
        const before = tasks.filter(isLive).length;
        const after = tasks.filter((t) => isLive(t) && !stopped.has(t.taskArn)).length + launched(result);
        if (before <= cap || launched(result) > 0) expect(after).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 2000 },
    );
  });

  it('a rollout with tasks becoming ready converges in a bounded number of passes', () => {
    const rolloutArb = fc
      .record({
        desired: fc.integer({ min: 1, max: 6 }),
        min: fc.integer({ min: 0, max: 100 }),
        max: fc.integer({ min: 100, max: 200 }),
        hasHealthCheck: fc.boolean(),
        minReadySeconds: fc.integer({ min: 0, max: 10 }),
        stepMs: fc.constantFrom(400, 1_000, 5_000),
        killOne: fc.boolean(),
        stepsBeforeDeploy: fc.integer({ min: 0, max: 3 }),
      })
      // At 100/100 (or a floor rounded up to desired with no surge) no rollout can move at all.
      .filter(
        (r) =>
          Math.floor((r.desired * r.max) / 100) > r.desired ||
          Math.ceil((r.desired * r.min) / 100) < r.desired,
      );
    fc.assert(
      fc.property(rolloutArb, (r) => {
        const revisions: Record<string, Revision> = {
          'web:1': { hasHealthCheck: r.hasHealthCheck, behaviour: 'healthy' },
          'web:2': { hasHealthCheck: r.hasHealthCheck, behaviour: 'healthy' },
        };
        const config = deploymentConfiguration({
          minimumHealthyPercent: r.min,
          maximumPercent: r.max,
          minReadySeconds: r.minReadySeconds,
          progressDeadlineSeconds: 86_400,
        });
        const sim = new Simulation(
          service({ desiredCount: r.desired, deploymentConfiguration: config }),
          revisions,
          r.stepMs,
        );
        sim.runUntil((x) => x.primary().rolloutState === 'COMPLETED');
        if (r.killOne) sim.kill(sim.liveTasksOf('web:1')[0]!.taskArn);
        for (let i = 0; i < r.stepsBeforeDeploy; i++) sim.step();
        sim.deploy('web:2');
        // Each wave moves at least one task: a launch, a step to RUNNING, then minReadySeconds.
        const readySteps = Math.ceil((r.minReadySeconds * S) / r.stepMs) + 1;
        const bound = (r.desired + 2) * (readySteps + 3);
        sim.runUntil(
          (x) => x.primary().taskDefinition === 'web:2' && x.primary().rolloutState === 'COMPLETED',
          bound,
        );
        expect(sim.liveTasksOf('web:2')).toHaveLength(r.desired);
        expect(sim.liveTasksOf('web:1')).toHaveLength(0);
      }),
      { numRuns: 300 },
    );
  });
});
