/** Which analysis interval is evidence of a stage (lib/domain/analysis.ts), and the one a pass reads. */
import { describe, expect, it } from 'vitest';
import { analysisEvidence, type Service } from '../../../lib/domain';
import { analysisToRead } from '../../../lib/reconcile/pass/traffic';
import { deployment, service } from '../../support/plan';

const MIN = 60_000;
const T = Date.parse('2026-12-06T12:00:00.000Z');

describe('analysisEvidence', () => {
  it.each([
    { name: 'wholly in the stage', start: T, stage: T - 10_000, created: T - MIN, is: 'stage' },
    { name: 'the stage began at its start', start: T, stage: T, created: T - MIN, is: 'stage' },
    { name: 'the stage began inside it', start: T, stage: T + 1_000, created: T - MIN, is: 'entry' },
    { name: 'the stage began at its end', start: T, stage: T + MIN, created: T - MIN, is: undefined },
    {
      name: 'the deployment began inside it',
      start: T,
      stage: T + 30_000,
      created: T + 1_000,
      is: undefined,
    },
  ])('$name: $is', ({ start, stage, created, is }) => {
    expect(analysisEvidence(start, start + MIN, stage, created)).toBe(is);
  });
});

describe('analysisToRead', () => {
  /** A CANARY PRIMARY made at `created` whose PRODUCTION_TRAFFIC_SHIFT began at `stage`. */
  const shifting = (created: number, stage: number): Service =>
    service({
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: false, rollback: false },
        analysis: { maxErrorRatePercent: 1 },
      },
      deployments: [
        deployment('dep-2', 'web:2', {
          createdAt: new Date(created).toISOString(),
          trafficShift: {
            strategy: 'CANARY',
            stage: 'PRODUCTION_TRAFFIC_SHIFT',
            stageStartedAt: new Date(stage).toISOString(),
            productionPercent: 10,
            bakeTimeInMinutes: 0,
            routes: [
              {
                targetGroupArn: 'tg-blue',
                from: 'tg-blue',
                to: 'tg-green',
                productionListenerRule: 'rule-prod',
              },
            ],
          },
        }),
      ],
    });

  it('reads the minute the canary began in, once it ended: a bad canary is judged a minute sooner', () => {
    const read = analysisToRead(shifting(T - MIN, T + 1_000), T + MIN + 1_000);
    expect(read).toMatchObject({ start: T, end: T + MIN, target: { targetGroupArn: 'tg-green' } });
  });

  it('not a minute that began before the deployment existed (the group may have served a rollback)', () => {
    expect(analysisToRead(shifting(T + 500, T + 1_000), T + MIN + 1_000)).toBeUndefined();
    expect(analysisToRead(shifting(T + 500, T + 1_000), T + 2 * MIN + 1_000)).toMatchObject({
      start: T + MIN,
    });
  });
});
