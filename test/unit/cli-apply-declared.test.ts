import { describe, expect, it } from 'vitest';
import { declaredService } from '../../cli/commands/apply-declared';
import type { ServiceDescription } from '../../client/api-types';

/** A stored service as GET answers it: every default filled in, keys in no particular order. */
const stored = (extra: Record<string, unknown> = {}) =>
  ({
    serviceName: 'web',
    taskDefinition: 'web:1',
    desiredCount: 2,
    healthCheckGracePeriodSeconds: 0,
    deploymentConfiguration: {
      progressDeadlineSeconds: 600,
      deploymentCircuitBreaker: { rollback: false, enable: false },
      maximumPercent: 200,
      minReadySeconds: 40,
      minimumHealthyPercent: 100,
    },
    ...extra,
  }) as unknown as ServiceDescription;

const file = (extra: Record<string, unknown> = {}) => ({
  serviceName: 'web',
  taskDefinition: 'web:1',
  desiredCount: 2,
  ...extra,
});

describe('apply -f: the declared service against the stored one', () => {
  it('finds nothing to change in a file equal to the service once defaults are filled in', () => {
    const declared = declaredService(
      stored({ autoDeploy: { tagPattern: 'v*' }, spotFallback: undefined }),
      file({
        deploymentConfiguration: { minReadySeconds: 40 },
        autoDeploy: { tagPattern: 'v*', pinDigest: false },
      }),
    );
    expect(declared.patch).toEqual({});
    expect(declared.service).toEqual(declared.stored);
  });

  it('sets every omitted field and sub-field back to its default, as PATCH takes it', () => {
    const targetGroupArn = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
    const declared = declaredService(
      stored({
        loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 80 }],
        healthCheckGracePeriodSeconds: 30,
        deploymentConfiguration: {
          minimumHealthyPercent: 50,
          maximumPercent: 200,
          deploymentCircuitBreaker: { enable: true, rollback: true, failureThreshold: 5 },
          minReadySeconds: 0,
          progressDeadlineSeconds: 600,
        },
        autoDeploy: { tagPattern: 'v*', pinDigest: true },
        spotFallback: {
          enabled: true,
          fallbackAfterSeconds: 30,
          returnAfterSeconds: 900,
          maxOnDemandPercent: 50,
        },
      }),
      file({
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        autoDeploy: { tagPattern: 'v*' },
      }),
    );
    expect(declared.patch).toEqual({
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        minReadySeconds: 40,
        progressDeadlineSeconds: 600,
      },
      healthCheckGracePeriodSeconds: 0,
      loadBalancers: [],
      autoDeploy: { tagPattern: 'v*' },
      spotFallback: {
        enabled: false,
        fallbackAfterSeconds: 60,
        returnAfterSeconds: 900,
        maxOnDemandPercent: 100,
      },
    });
  });

  it('leaves the count alone when the file has none, and ignores it while auto scaling is on', () => {
    expect(declaredService(stored({ desiredCount: 5 }), file({ desiredCount: undefined })).patch).toEqual({});
    const scaled = declaredService(
      stored({ desiredCount: 5, autoScaling: undefined }),
      file({ desiredCount: 1, autoScaling: { minCapacity: 1, maxCapacity: 9 } }),
    );
    expect(scaled.patch).toEqual({
      autoScaling: { minCapacity: 1, maxCapacity: 9, targetTracking: [], scheduled: [] },
    });
    expect(scaled.notes[0]).toMatch(/desiredCount 1 in the file is ignored while auto scaling is on/);
  });
});
