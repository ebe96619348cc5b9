import { describe, expect, it } from 'vitest';
import type { PageContext } from '../../console/render';
import { pageTasks, STOPPED_PER_PAGE, stoppedPageOf, taskPage, tasksSection } from '../../console/task-page';

const ctx: PageContext = { base: '/console', allowWrites: false, live: false };

const task = (i: number, lastStatus = 'STOPPED') =>
  ({
    taskId: `t${String(i).padStart(3, '0')}`,
    lastStatus,
    healthStatus: 'UNKNOWN',
    createdAt: `2026-11-25T12:${String(i).padStart(2, '0')}:00.000Z`,
    stoppedReason: `reason ${i}`,
  }) as any;

describe('console tasks', () => {
  const tasks = [
    task(0, 'RUNNING'),
    ...Array.from({ length: 23 }, (_, i) => task(i + 1)),
    task(30, 'PENDING'),
  ];

  it('shows every live task and the stopped ones 10 to a page, newest first', () => {
    const first = pageTasks(tasks, 1);
    expect(first.live.map((t) => t.taskId)).toEqual(['t030', 't000']);
    expect(first.stopped).toHaveLength(STOPPED_PER_PAGE);
    expect(first.stopped[0]?.taskId).toBe('t023');
    expect(first.stoppedTotal).toBe(23);
    expect(first.stoppedPages).toBe(3);
    const last = pageTasks(tasks, 3);
    expect(last.stopped.map((t) => t.taskId)).toEqual(['t003', 't002', 't001']);
    expect(pageTasks(tasks, 99).stoppedPage).toBe(3);
  });

  it('reads ?stopped=N as a page from 1, anything else as the first', () => {
    expect(stoppedPageOf('2')).toBe(2);
    for (const bad of [null, '', '0', '-1', '1.5', 'x']) expect(stoppedPageOf(bad)).toBe(1);
  });

  it('links the pages of stopped tasks and each task to its page', () => {
    const section = tasksSection(
      ctx,
      'default',
      '/console/clusters/default/services/web',
      pageTasks(tasks, 2),
    ).value;
    expect(section).toContain('11–20 of 23, newest first');
    expect(section).toContain('href="/console/clusters/default/services/web?stopped=1"');
    expect(section).toContain('href="/console/clusters/default/services/web?stopped=3"');
    expect(section).toContain('page 2 of 3');
    expect(section).toContain('href="/console/clusters/default/tasks/t013"');
    expect(section.match(/data-task="/g)).toHaveLength(2 + 10);
    const none = tasksSection(ctx, 'default', '/x', pageTasks([task(1, 'RUNNING')], 1)).value;
    expect(none).toContain('No stopped tasks.');
    expect(none).not.toContain('?stopped=');
  });

  it('shows a task with its capacity provider, timings, stop reason, exit codes and targets, escaped', () => {
    const page = taskPage(ctx, 'default', {
      taskId: 'abc',
      serviceName: 'web',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      healthStatus: 'UNKNOWN',
      capacityProviderName: 'FARGATE_SPOT',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container <app> exited',
      containers: [{ name: 'app', image: 'nginx:crash', lastStatus: 'STOPPED', exitCode: 1 }],
      targets: [
        {
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1',
          id: '10.0.0.7',
          port: 80,
          state: 'draining',
        },
      ],
      source: 'inventory',
      timing: {
        provisioning: {
          startedAt: '2026-11-25T12:00:00.000Z',
          endedAt: '2026-11-25T12:00:01.000Z',
          durationMs: 1000,
          ongoing: false,
        },
        pull: null,
        startUp: null,
        running: {
          startedAt: '2026-11-25T12:00:02.000Z',
          endedAt: '2026-11-25T12:01:07.000Z',
          durationMs: 65_000,
          ongoing: false,
        },
        stopping: null,
      },
    } as any);
    expect(page).toContain('data-capacity-provider="FARGATE_SPOT"');
    expect(page).toContain('<code>EssentialContainerExited</code>');
    expect(page).toContain('Essential container &lt;app&gt; exited');
    expect(page).toContain('data-exit-code="1">1</td>');
    expect(page).toContain('10.0.0.7:80');
    expect(page).toContain('<span class="badge draining">draining</span>');
    expect(page).toMatch(/data-phase="running">.*1 m 5 s/);
    expect(page).toContain('href="/console/clusters/default/services/web"');
  });
});
