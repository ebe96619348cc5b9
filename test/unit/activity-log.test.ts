import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { activityLevel, activityLog } from '../../lib/activity-log';
import { tugboatMetrics } from '../../lib/metrics';
import { describeActions, describeHolds } from '../../lib/reconcile/pass/action-log';
import type { PlanResult } from '../../lib/reconcile/plan/types';

afterEach(() => {
  vi.restoreAllMocks();
});

const deployments = [
  { id: 'ecs-svc-new', status: 'PRIMARY' },
  { id: 'ecs-svc-old', status: 'ACTIVE' },
] as unknown as PlanResult['deployments'];

const stop = (cause: string) => ({
  type: 'stop',
  taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${cause}`,
  deploymentId: 'ecs-svc-old',
  cause,
  reason: 'x',
});

describe('one line per reconciler action', () => {
  it('says what was launched and stopped, and why', () => {
    const actions = [
      stop('replaced'),
      stop('unhealthy'),
      {
        type: 'launch',
        deploymentId: 'ecs-svc-new',
        taskDefinition: 'demo:2',
        count: 3,
        startedBy: 'tugboat',
        group: 'service:demo',
        runTaskCalls: [],
        reason: 'x',
      },
      { type: 'hold', deploymentId: 'ecs-svc-new', reason: 'waiting for 3 tasks to be healthy' },
    ] as unknown as PlanResult['actions'];
    expect(describeActions('demo', { actions, deployments })).toEqual([
      'demo: stopped 1 task (replaced by deployment ecs-svc-new)',
      'demo: stopped 1 task (unhealthy)',
      'demo: launched 3 tasks of demo:2 (deployment ecs-svc-new)',
    ]);
    expect(describeHolds('demo', { actions })).toEqual(['demo: waiting: waiting for 3 tasks to be healthy']);
  });

  it('counts stops of one cause together', () => {
    const actions = [stop('scale-in'), stop('scale-in')] as unknown as PlanResult['actions'];
    expect(describeActions('web', { actions, deployments })).toEqual([
      'web: stopped 2 tasks (desired count lowered)',
    ]);
  });
});

describe('TUGBOAT_LOG_LEVEL', () => {
  const logger = new Logger({ logLevel: 'SILENT' });

  it('prints plain lines at INFO by default in text format, and hides DEBUG', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const log = activityLog(logger, { TUGBOAT_LOG_FORMAT: 'text' });
    log.info('demo: launched 1 task of demo:1 (deployment ecs-svc-1)');
    log.debug('demo: waiting: something');
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]?.[0])).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}demo: launched 1 task of demo:1 \(deployment ecs-svc-1\)\n$/,
    );
  });

  it('changes what is printed', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    activityLog(logger, { TUGBOAT_LOG_FORMAT: 'text', TUGBOAT_LOG_LEVEL: 'WARN' }).info('hidden');
    expect(write).not.toHaveBeenCalled();
    activityLog(logger, { TUGBOAT_LOG_FORMAT: 'text', TUGBOAT_LOG_LEVEL: 'debug' }).debug('shown');
    expect(write).toHaveBeenCalledTimes(1);
    expect(activityLevel({ POWERTOOLS_LOG_LEVEL: 'ERROR' })).toBe('ERROR');
    expect(activityLevel({})).toBe('INFO');
  });
});

describe('metrics', () => {
  it('publishes an empty set without the "No application metrics" warning', () => {
    // Powertools writes through its own Console on the process streams, so those are watched.
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const metrics = tugboatMetrics('tugboat-test');
    metrics.publishStoredMetrics();
    expect(warn).not.toHaveBeenCalled();
    expect(written.join('')).not.toContain('No application metrics');
  });
});
