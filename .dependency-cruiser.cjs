/**
 * The house's layers, checked by `npm run lint:deps` (dependency-cruiser) in CI. Imports run down only:
 *   functions -> lib/api, lib/use-cases -> lib/reconcile, lib/scaling, lib/jobs -> lib/store, lib/ecs, lib/elb, lib/hooks -> lib/domain
 * The planner (lib/reconcile/plan) is pure: it imports neither the pass that executes it nor the scheduler.
 * cli and console share client/; console never imports cli, and cli imports the console only to start it
 * (cli/commands/console.ts -> console/standalone.ts).
 * Type-only imports count: a type is owned by the layer that declares it.
 */
const layer = {
  functions: '^functions/',
  entry: '^lib/(api|use-cases)/',
  engines: '^lib/(reconcile|scaling|jobs)/',
  adapters: '^lib/(store|ecs|elb|hooks)/',
  domain: '^lib/domain/',
};

const upward = (from, to, why) => ({
  name: `no-up-${from}-to-${to.join('-')}`,
  comment: why,
  severity: 'error',
  from: { path: layer[from] },
  to: { path: to.map((name) => layer[name]) },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files import each other (directly or around a loop): split out what both need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'Two folders import each other (directly or around a loop): the shared part belongs lower.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    upward(
      'domain',
      ['adapters', 'engines', 'entry', 'functions'],
      'lib/domain is plain data: it imports no layer above it.',
    ),
    upward(
      'adapters',
      ['engines', 'entry', 'functions'],
      'lib/store, lib/ecs and lib/elb serve the layers above, never import them.',
    ),
    upward(
      'engines',
      ['entry', 'functions'],
      'lib/reconcile and lib/scaling are called by the API and use cases, never call them.',
    ),
    upward(
      'entry',
      ['functions'],
      'The Lambda handlers wrap lib/api and lib/use-cases, not the other way round.',
    ),
    {
      name: 'lean-event-handlers',
      comment:
        'Task events, deploy events and the jobs scheduler load only what their first invocation needs (cold start, docs/performance.md): not the reconciler, not the ELB client.',
      severity: 'error',
      from: { path: '^functions/(task-events|deploy-events|jobs-scheduler)\\.ts$' },
      to: {
        path: '(^lib/reconcile/(pass|plan/phases)/|@aws-sdk/client-elastic-load-balancing-v2)',
        reachable: true,
      },
    },
    {
      name: 'api-without-hooks',
      comment:
        'The API plans but never calls a lifecycle hook: it composes the reconciler without the hook invoker and its Lambda client (lib/wiring-api.ts), so its cold start loads no Lambda client (docs/performance.md). node_modules are excluded from the graph: the rule names the modules that import the client.',
      severity: 'error',
      from: { path: '^functions/api\\.ts$' },
      to: { path: '^lib/(hooks/invoker|wiring)\\.ts$', reachable: true },
    },
    {
      name: 'lib-not-into-outer-folders',
      comment: 'lib/ is the core: handlers, the CLI, the console, the local stack and the tests sit on it.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(functions|cli|client|console|local|test|bench|scripts)/' },
    },
    {
      name: 'planner-is-pure',
      comment: 'The planner decides; the pass (pass/) and the scheduler (scheduler/) execute and time it.',
      severity: 'error',
      from: { path: '^lib/reconcile/plan/' },
      to: { path: '^lib/reconcile/(pass|scheduler)/' },
    },
    {
      name: 'pass-not-into-scheduler',
      comment: 'The scheduler starts passes; a pass does not reach back into the scheduler.',
      severity: 'error',
      from: { path: '^lib/reconcile/pass/' },
      to: { path: '^lib/reconcile/scheduler/' },
    },
    {
      name: 'console-not-into-cli',
      comment: 'What cli and console both use lives in client/.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^cli/' },
    },
    {
      name: 'client-not-into-its-users',
      comment: 'client/ is shared by cli and console and imports neither.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(cli|console)/' },
    },
    {
      name: 'cli-starts-console-only',
      comment:
        'cli imports the console only to start it (tugboat console): console/standalone.ts, from its command.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^console/', pathNot: '^console/standalone\\.ts$' },
    },
    {
      name: 'cli-starts-console-from-its-command',
      comment: 'Only the console command starts the console.',
      severity: 'error',
      from: { path: '^cli/', pathNot: '^cli/commands/console\\.ts$' },
      to: { path: '^console/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
  },
};
