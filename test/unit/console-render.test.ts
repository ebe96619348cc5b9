import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../console/html';
import { errorPage, type PageContext, progressBar, servicesPage } from '../../console/render';
import { servicePage } from '../../console/service-page';
import { pageTasks } from '../../console/task-page';

const noTasks = pageTasks([], 1);

const ctx = (extra: Partial<PageContext> = {}): PageContext => ({
  base: '/console',
  allowWrites: false,
  live: false,
  ...extra,
});

const deployment = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  status: 'PRIMARY',
  taskDefinition: 'web:2',
  desiredCount: 4,
  runningCount: 2,
  pendingCount: 1,
  healthyCount: 1,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  rolloutStateReason: 'ECS deployment in progress.',
  createdAt: '2026-11-25T12:00:00.000Z',
  updatedAt: '2026-11-25T12:00:05.000Z',
  ...extra,
});

const service = (
  serviceName: string,
  deployments = [
    deployment('d2'),
    deployment('d1', { status: 'ACTIVE', taskDefinition: 'web:1', rolloutState: 'COMPLETED' }),
  ],
) =>
  ({
    serviceName,
    cluster: 'default',
    status: 'ACTIVE',
    taskDefinition: 'web:2',
    desiredCount: 4,
    runningCount: 6,
    pendingCount: 1,
    deployments,
    events: [
      { id: 'e1', createdAt: '2026-11-25T12:00:01.000Z', message: 'service <b>web</b> has started 2 tasks' },
    ],
  }) as any;

describe('console HTML', () => {
  it('escapes every interpolated value', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p title="${'"><script>'}">${'<img src=x onerror=alert(1)>'}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;">&lt;img src=x onerror=alert(1)&gt;</p>',
    );
  });

  it('draws running and healthy over desired', () => {
    const bar = progressBar(deployment('d2')).value;
    expect(bar).toContain('style="width:50%"'); // 2 running of 4
    expect(bar).toContain('style="width:25%"'); // 1 healthy of 4
    expect(bar).toContain('2/4 running · 1 healthy · 1 pending');
  });

  it('lists services with counts, rollout state and image, escaping names and messages', () => {
    const page = servicesPage(ctx({ live: true }), [
      { cluster: 'default', services: [service('web<script>')], images: new Map([['web:2', 'nginx:1.28']]) },
    ]);
    expect(page).toContain('web&lt;script&gt;');
    expect(page).not.toContain('web<script>');
    expect(page).toContain('href="/console/clusters/default/services/web%3Cscript%3E"');
    expect(page).toContain('<span class="badge IN_PROGRESS">IN_PROGRESS</span>');
    expect(page).toContain('nginx:1.28');
    expect(page).toContain('<script src="/console/assets/htmx.min.js"></script>');
  });

  it('refreshes itself every 5 s, every 2 s while a rollout is in progress; an error page does not', () => {
    const live = servicesPage(ctx({ live: true }), []);
    expect(live).toMatch(/<main id="page" hx-get="\/console\/" hx-trigger="every 2s"/);
    expect(live).toContain('rollout in progress, refreshing every 2 s');
    const quiet = servicesPage(ctx(), []);
    expect(quiet).toMatch(/<main id="page" hx-get="\/console\/" hx-trigger="every 5s"/);
    expect(quiet).toContain('refreshing every 5 s');
    expect(errorPage(ctx({ live: true }), 'Not found', 'x')).toContain('<main id="page">');
  });

  it('names the switch that allows writes where the console runs', () => {
    const data = { cluster: 'default', service: service('web'), tasks: noTasks, images: new Map() };
    expect(servicePage(ctx(), data)).toContain('start it with <code>--allow-writes</code> to roll back');
    expect(servicePage(ctx({ writeSwitch: 'TUGBOAT_CONSOLE_ALLOW_WRITES=1' }), data)).toContain(
      'start it with <code>TUGBOAT_CONSOLE_ALLOW_WRITES=1</code> to roll back',
    );
  });

  it('offers a confirmed rollback only with write access, to COMPLETED older revisions', () => {
    const data = { cluster: 'default', service: service('web'), tasks: noTasks, images: new Map() };
    const readOnly = servicePage(ctx(), data);
    expect(readOnly).not.toContain('hx-post');
    expect(readOnly).toContain('Read-only console');
    const writable = servicePage(ctx({ allowWrites: true }), data);
    expect(writable).toContain('hx-post="/console/clusters/default/services/web/rollback"');
    expect(writable).toContain('hx-confirm="Roll web back to web:1?"');
    expect(writable.match(/<button/g)).toHaveLength(1);
    expect(writable).toContain('service &lt;b&gt;web&lt;/b&gt; has started 2 tasks');
  });

  it("offers no rollback to a COMPLETED deployment of another family: a rollback stays in the service's own", () => {
    const deployments = [
      deployment('d3'),
      deployment('d2', { status: 'ACTIVE', taskDefinition: 'hello:1', rolloutState: 'COMPLETED' }),
      deployment('d1', { status: 'ACTIVE', taskDefinition: 'web:1', rolloutState: 'COMPLETED' }),
    ];
    const page = servicePage(ctx({ allowWrites: true }), {
      cluster: 'default',
      service: service('web', deployments),
      tasks: noTasks,
      images: new Map(),
    });
    expect(page).toContain('Roll back to web:1');
    expect(page).not.toContain('Roll back to hello:1');
  });

  it('shows each task with its phase timings', () => {
    const timing = {
      provisioning: { durationMs: 100, ongoing: false },
      pull: { durationMs: 2500, ongoing: false },
      startUp: { durationMs: 400, ongoing: false },
      running: { durationMs: 65_000, ongoing: true },
      stopping: null,
    } as any;
    const page = servicePage(ctx(), {
      cluster: 'default',
      service: service('web'),
      tasks: pageTasks(
        [
          {
            taskId: 'a'.repeat(32),
            lastStatus: 'RUNNING',
            healthStatus: 'HEALTHY',
            deploymentId: 'd2',
            timing,
          } as any,
        ],
        1,
      ),
      images: new Map(),
    });
    expect(page).toContain('data-task="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"');
    expect(page).toContain('<td class="num wide">2.5 s</td>');
    expect(page).toContain('href="/console/clusters/default/tasks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"');
    expect(page).toContain('<td class="num">1 m 5 s</td>');
    expect(page).not.toContain('ph-stopping" style');
  });
});

describe('console load balancing and auto scaling sections', () => {
  const tgArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0123456789abcdef';
  const base = { cluster: 'default', tasks: noTasks, images: new Map() };
  const loadBalanced = () => ({
    ...service('web', [deployment('d2', { healthyTargets: 3, drainingTargets: 1 })]),
    loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 80 }],
  });
  const scaled = () => ({
    ...service('web'),
    autoScaling: { minCapacity: 1, maxCapacity: 10, targetTracking: [] },
  });

  it('keeps the placeholders, and no targets column, for a service without load balancers or auto scaling', () => {
    const page = servicePage(ctx(), { ...base, service: service('web') });
    expect(page).toContain('No load balancer targets: this service is not registered with a target group.');
    expect(page).toContain('No scaling activities: this service has no auto scaling policy.');
    expect(page).not.toContain('<th>Targets</th>');
    expect(page).not.toContain('data-targets=');
  });

  it('lists the live tasks’ targets with their state, and each deployment’s healthy and draining counts', () => {
    const page = servicePage(ctx(), {
      ...base,
      service: loadBalanced(),
      targets: [
        {
          taskId: 'a'.repeat(32),
          deploymentId: 'd2',
          targetGroupArn: tgArn,
          id: '10.0.0.7',
          port: 80,
          state: 'healthy',
        },
        {
          taskId: 'b'.repeat(32),
          targetGroupArn: tgArn,
          id: '10.0.0.8',
          port: 80,
          state: 'unhealthy',
          reason: 'Target.ResponseCodeMismatch',
          description: 'Health checks failed with these codes: [<500>]',
        },
      ],
    });
    expect(page).not.toContain('No load balancer targets');
    expect(page).toContain('<th>Targets</th>');
    expect(page).toContain('data-targets="3/1">3 healthy · 1 draining</td>');
    expect(page).toContain('data-target="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"');
    expect(page).toContain(`<code title="${tgArn}">web-tg</code>`);
    expect(page).toContain('<code>10.0.0.7:80</code>');
    expect(page).toContain('<span class="badge healthy">healthy</span>');
    expect(page).toContain('<span class="badge unhealthy">unhealthy</span>');
    expect(page).toContain(
      'Target.ResponseCodeMismatch: Health checks failed with these codes: [&lt;500&gt;]',
    );
    expect(page).not.toContain('[<500>]');
  });

  it('says so when a load-balanced service has no targets yet, or when they could not be read', () => {
    expect(servicePage(ctx(), { ...base, service: loadBalanced(), targets: [] })).toContain(
      'No targets registered yet.',
    );
    const failed = servicePage(ctx(), { ...base, service: loadBalanced(), targetsError: 'API <down>' });
    expect(failed).toContain('<div class="error">API &lt;down&gt;</div>');
  });

  it('shows the newest 10 scaling activities with time and cause, escaped', () => {
    const activities = Array.from({ length: 12 }, (_, i) => ({
      id: `act-${i}`,
      startedAt: `2026-11-25T12:${String(59 - i).padStart(2, '0')}:00.000Z`,
      cause: `monitor alarm <cpu> ${i} in state ALARM`,
      fromCount: 2 + i,
      toCount: 3 + i,
      policy: 'cpu',
    }));
    const page = servicePage(ctx(), { ...base, service: scaled(), scalingActivities: activities });
    expect(page).not.toContain('No scaling activities: this service has no auto scaling policy.');
    expect(page.match(/data-activity="/g)).toHaveLength(10);
    expect(page).toContain('data-activity="act-0"');
    expect(page).toContain('data-activity="act-9"');
    expect(page).not.toContain('data-activity="act-10"');
    expect(page).toContain('<time datetime="2026-11-25T12:59:00.000Z"');
    expect(page).toContain('monitor alarm &lt;cpu&gt; 0 in state ALARM');
    expect(page).toContain('(2 → 3)');
    expect(page).not.toContain('<cpu>');
  });

  it('says so when an auto-scaled service has no scaling activities yet, or when they could not be read', () => {
    expect(servicePage(ctx(), { ...base, service: scaled(), scalingActivities: [] })).toContain(
      'No scaling activities yet.',
    );
    expect(servicePage(ctx(), { ...base, service: scaled(), scalingError: 'boom <x>' })).toContain(
      '<div class="error">boom &lt;x&gt;</div>',
    );
  });
});

describe('console failed deployment banner', () => {
  const failed = deployment('d2', {
    status: 'INACTIVE',
    rolloutState: 'FAILED',
    rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    createdAt: '2026-11-25T12:00:00.000Z',
  });
  const rollback = (rolloutState: string) =>
    deployment('d3', {
      taskDefinition: 'web:1',
      rollbackOf: 'd2',
      rolloutState,
      createdAt: '2026-11-25T12:01:00.000Z',
    });
  const page = (deployments: unknown[]) =>
    servicePage(ctx(), {
      cluster: 'default',
      service: service('web', deployments as any),
      tasks: noTasks,
      images: new Map(),
    });

  it('stays, with the reason and the rollback, after the rollback completes', () => {
    const shown = page([rollback('COMPLETED'), failed]);
    expect(shown).toContain('id="failed-deployment"');
    expect(shown).toContain('ECS deployment circuit breaker: tasks failed to start.');
    expect(shown).toContain('Rolled back to <code>web:1</code> (COMPLETED)');
    const list = servicesPage(ctx(), [
      {
        cluster: 'default',
        services: [service('web', [rollback('COMPLETED'), failed] as any)],
        images: new Map(),
      },
    ]);
    expect(list).toContain('data-failed="d2"');
  });

  it('goes once a later deployment other than its rollback completes, and not while it is in progress', () => {
    const next = (rolloutState: string) =>
      deployment('d4', { taskDefinition: 'web:3', rolloutState, createdAt: '2026-11-25T12:05:00.000Z' });
    expect(page([next('IN_PROGRESS'), rollback('COMPLETED'), failed])).toContain('id="failed-deployment"');
    expect(page([next('COMPLETED'), rollback('COMPLETED'), failed])).not.toContain('id="failed-deployment"');
    expect(page([deployment('d1', { rolloutState: 'COMPLETED' })])).not.toContain('id="failed-deployment"');
  });
});
