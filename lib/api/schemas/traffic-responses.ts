/**
 * A BLUE_GREEN, CANARY or LINEAR deployment's traffic shift as the API answers it (deploymentSchema's
 * trafficShift): its stage, the weights meant, the routes, and what holds it (approval, analysis, hooks).
 */
import * as z from 'zod';
import { LIFECYCLE_HOOK_STAGES } from '../../domain';
import { approvalSchema } from '../../validation/approval';
import { lifecycleHooksSchema } from '../../validation/lifecycle-hooks';
import { alarmsSchema } from '../../validation/strategies';
import { timestamp } from './primitives';

const percent = z.number().min(0).max(100);

export const trafficShiftSchema = z
  .strictObject({
    strategy: z.enum(['BLUE_GREEN', 'CANARY', 'LINEAR']),
    stage: z
      .enum([
        'SCALE_UP',
        'TEST_TRAFFIC_SHIFT',
        'PRODUCTION_TRAFFIC_SHIFT',
        'BAKE_TIME',
        'CLEAN_UP',
        'ROLLBACK',
      ])
      .describe(
        "ECS's lifecycle stage names: SCALE_UP (the new tasks start in the groups not serving), TEST_TRAFFIC_SHIFT (the test listener rule forwards to them), PRODUCTION_TRAFFIC_SHIFT (production moves by the rule's weights), BAKE_TIME (all production on the new tasks, the old ones still up), CLEAN_UP (the old tasks drain and stop); ROLLBACK: production back on the old group, the new tasks draining.",
      ),
    stageStartedAt: timestamp,
    productionPercent: percent.describe('Percent of production traffic meant for the new target group now.'),
    routes: z.array(
      z.strictObject({
        targetGroupArn: z.string().describe("The load balancer entry's targetGroupArn"),
        from: z.string().describe('The target group serving before this deployment'),
        to: z.string().describe("The target group this deployment's tasks register in"),
        productionListenerRule: z.string().optional(),
        testListenerRule: z.string().optional(),
      }),
    ),
    bakeTimeInMinutes: z.int(),
    canaryPercent: percent.optional(),
    canaryBakeTimeInMinutes: z.int().optional(),
    stepPercent: percent.optional(),
    stepBakeTimeInMinutes: z.int().optional(),
    alarms: alarmsSchema().optional(),
    approval: approvalSchema()
      .extend({
        pausedAt: timestamp.describe('When the deployment began to wait at the stage').optional(),
        continuedAt: timestamp
          .describe('When it was continued (POST .../continue, or the timeout)')
          .optional(),
        continuedBy: z.string().describe('Who continued it').optional(),
      })
      .optional(),
    analysisPassedAt: timestamp
      .describe('deploymentConfiguration.analysis: when an interval of this stage first passed')
      .optional(),
    analysisHeldAt: timestamp
      .describe(
        'deploymentConfiguration.analysis: since when the stage, its bake time over, holds because no interval of it has passed (all inconclusive, or none ended yet); it moves on at the first that passes',
      )
      .optional(),
    lifecycleHooks: lifecycleHooksSchema().optional(),
    reconcileService: z
      .boolean()
      .describe('RECONCILE_SERVICE applies: more than one deployment was ACTIVE when this one started.')
      .optional(),
    hooksPassed: z
      .array(z.string())
      .describe(
        'STAGE#index of the lifecycle hooks that SUCCEEDED in the current stage (or production step).',
      )
      .optional(),
    hook: z
      .strictObject({
        lifecycleStage: z.enum(LIFECYCLE_HOOK_STAGES),
        hookIndex: z.int().describe('Its index in lifecycleHooks'),
        hookTargetArn: z.string(),
        executionId: z.string().describe('Sent as executionId on every call of this execution'),
        status: z.literal('IN_PROGRESS'),
        startedAt: timestamp,
        nextInvokeAt: timestamp.describe('The next call is due then'),
        lastInvokedAt: timestamp.optional(),
        invocations: z.int().describe('Calls answered so far'),
        hookDetails: z
          .unknown()
          .describe('What the last IN_PROGRESS answer returned, sent on the next call')
          .optional(),
      })
      .describe('The lifecycle hook execution under way.')
      .optional(),
  })
  .describe(
    "A BLUE_GREEN, CANARY or LINEAR deployment's traffic shift: its settings as they were when it was made, the stage it is in and since when, and the share of production traffic meant for its target groups.",
  );
