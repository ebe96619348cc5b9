import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../lib/domain';
import { ValidationError } from '../../lib/errors';
import { oneOffStartedBy } from '../../lib/inventory/naming';
import { isExpired, TASK_HISTORY_MS } from '../../lib/inventory/retention';
import { taskTiming } from '../../lib/inventory/timing';
import { taskRecord } from '../support/records';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, seconds)).toISOString();
const NOW = Date.parse(at(100));

const task = (fields: Partial<TaskRecord>): TaskRecord => taskRecord({ updatedAt: at(0), ...fields });

const ended = (from: number, to: number) => ({
  startedAt: at(from),
  endedAt: at(to),
  durationMs: (to - from) * 1000,
  ongoing: false,
});
const ongoing = (from: number) => ({ startedAt: at(from), durationMs: (100 - from) * 1000, ongoing: true });

describe('taskTiming', () => {
  it.each([
    [
      'just created',
      { createdAt: at(10), lastStatus: 'PROVISIONING' },
      { provisioning: ongoing(10), pull: null, startUp: null, running: null, stopping: null },
    ],
    [
      'pulling',
      { createdAt: at(10), pullStartedAt: at(15), lastStatus: 'PENDING' },
      { provisioning: ended(10, 15), pull: ongoing(15), startUp: null, running: null, stopping: null },
    ],
    [
      'running',
      { createdAt: at(10), pullStartedAt: at(15), pullStoppedAt: at(30), startedAt: at(32) },
      {
        provisioning: ended(10, 15),
        pull: ended(15, 30),
        startUp: ended(30, 32),
        running: ongoing(32),
        stopping: null,
      },
    ],
    [
      'stopping',
      {
        createdAt: at(10),
        pullStartedAt: at(15),
        pullStoppedAt: at(30),
        startedAt: at(32),
        stoppingAt: at(90),
        lastStatus: 'DEACTIVATING',
        desiredStatus: 'STOPPED',
      },
      {
        provisioning: ended(10, 15),
        pull: ended(15, 30),
        startUp: ended(30, 32),
        running: ended(32, 90),
        stopping: ongoing(90),
      },
    ],
    [
      'stopped after running',
      {
        createdAt: at(10),
        pullStartedAt: at(15),
        pullStoppedAt: at(30),
        startedAt: at(32),
        stoppingAt: at(90),
        stoppedAt: at(95),
        lastStatus: 'STOPPED',
      },
      {
        provisioning: ended(10, 15),
        pull: ended(15, 30),
        startUp: ended(30, 32),
        running: ended(32, 90),
        stopping: ended(90, 95),
      },
    ],
    [
      'failed while pulling: the pull ends when the stop began',
      {
        createdAt: at(10),
        pullStartedAt: at(15),
        stoppingAt: at(40),
        stoppedAt: at(41),
        lastStatus: 'STOPPED',
      },
      {
        provisioning: ended(10, 15),
        pull: ended(15, 40),
        startUp: null,
        running: null,
        stopping: ended(40, 41),
      },
    ],
    [
      'stopped with no stoppingAt: a cut-short phase ends at stoppedAt',
      { createdAt: at(10), stoppedAt: at(20), lastStatus: 'STOPPED' },
      { provisioning: ended(10, 20), pull: null, startUp: null, running: null, stopping: null },
    ],
    [
      'no timestamps at all',
      {},
      { provisioning: null, pull: null, startUp: null, running: null, stopping: null },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(taskTiming(task(fields), NOW)).toEqual(expected);
  });

  it('never reports a negative duration when clocks disagree', () => {
    const timing = taskTiming(task({ createdAt: at(200) }), NOW);
    expect(timing.provisioning?.durationMs).toBe(0);
  });
});

describe('isExpired', () => {
  const stoppedAt = Date.parse(at(0));
  it.each([
    ['a running task', task({}), NOW + 2 * TASK_HISTORY_MS, false],
    [
      'a task stopped 29 days ago',
      task({ lastStatus: 'STOPPED', stoppedAt: at(0) }),
      stoppedAt + TASK_HISTORY_MS - 1,
      false,
    ],
    [
      'a task stopped 30 days ago',
      task({ lastStatus: 'STOPPED', stoppedAt: at(0) }),
      stoppedAt + TASK_HISTORY_MS,
      true,
    ],
    [
      'a stopped task without stoppedAt, by updatedAt',
      task({ lastStatus: 'STOPPED' }),
      stoppedAt + TASK_HISTORY_MS,
      true,
    ],
  ])('%s: %s', (_name, record, now, expected) => {
    expect(isExpired(record, now)).toBe(expected);
  });
});

describe('oneOffStartedBy', () => {
  it.each([
    [undefined, 'tugboat-local_run'],
    ['nightly', 'tugboat-local_nightly'],
    ['tugboat-local_nightly', 'tugboat-local_nightly'],
    ['tugboat-nightly', 'tugboat-local_tugboat-nightly'],
    ['ci/build-42', 'tugboat-local_ci/build-42'],
    ['x'.repeat(114), `tugboat-local_${'x'.repeat(114)}`],
  ])('%s -> %s', (requested, expected) => {
    expect(oneOffStartedBy(requested, 'local')).toBe(expected);
  });

  it('carries the installation, so another installation never takes the task', () => {
    expect(oneOffStartedBy('nightly', 'prod')).toBe('tugboat-prod_nightly');
    // Another installation's prefix is just text to this one: it gets this one's prefix too.
    expect(oneOffStartedBy('tugboat-dev_nightly', 'dev2')).toBe('tugboat-dev2_tugboat-dev_nightly');
  });

  it.each([
    ['x'.repeat(115), /without the prefix use at most 114 characters/],
    ['tugboat-local_0123456789ab-d-1', /reserved for the tasks of service deployments/],
    ['0123456789ab-d-1', /reserved for the tasks of service deployments/],
  ])('refuses %s', (requested, message) => {
    expect(() => oneOffStartedBy(requested, 'local')).toThrow(ValidationError);
    expect(() => oneOffStartedBy(requested, 'local')).toThrow(message);
  });
});
