import { describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../../../lib/domain';
import { shutDown } from '../../../../lib/reconcile/plan/phases/shut-down';
import { service, stateOf, task, tasks } from '../../../support/plan';

describe('shutDown', () => {
  it.each<{
    name: string;
    status: ServiceStatus;
    live: number;
    stopping: number;
    result: ServiceStatus;
    stops: number;
    hold: boolean;
    event: boolean;
  }>([
    {
      name: 'draining with live tasks stops them',
      status: 'DRAINING',
      live: 2,
      stopping: 0,
      result: 'DRAINING',
      stops: 2,
      hold: false,
      event: false,
    },
    {
      name: 'draining waits for tasks already stopping',
      status: 'DRAINING',
      live: 1,
      stopping: 1,
      result: 'DRAINING',
      stops: 1,
      hold: true,
      event: false,
    },
    {
      name: 'draining with nothing left turns INACTIVE',
      status: 'DRAINING',
      live: 0,
      stopping: 0,
      result: 'INACTIVE',
      stops: 0,
      hold: false,
      event: true,
    },
    {
      name: 'inactive stays inactive',
      status: 'INACTIVE',
      live: 1,
      stopping: 0,
      result: 'INACTIVE',
      stops: 1,
      hold: false,
      event: false,
    },
  ])('$name', ({ status, live, stopping, result, stops, hold, event }) => {
    const observed = [
      ...tasks('dep-1', live),
      ...tasks('dep-1', stopping, { desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }),
      task('dep-1', { desiredStatus: 'STOPPED', lastStatus: 'STOPPED' }),
    ];
    const state = stateOf(service({ status }), observed);
    expect(shutDown(state)).toBe(result);
    const stopActions = state.actions.filter((a) => a.type === 'stop');
    expect(stopActions).toHaveLength(stops);
    for (const a of stopActions) expect(a).toMatchObject({ cause: 'draining' });
    expect(state.actions.some((a) => a.type === 'hold')).toBe(hold);
    expect(state.events.some((e) => e.includes('is now INACTIVE'))).toBe(event);
  });
});
