/**
 * What each Lambda bundle holds (cold start: docs/performance.md). Built as serverless.yml builds it (esbuild,
 * the SDK's ES module builds); the metafile names every module a bundle takes in.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

const bundledModules = async (handler: string): Promise<string[]> => {
  const result = await build({
    entryPoints: [resolve(root, 'functions', `${handler}.ts`)],
    bundle: true,
    write: false,
    minify: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
    outfile: 'out.js',
  });
  return Object.keys(result.metafile.inputs);
};

/** The bundle as serverless.yml builds it, unminified: esbuild names each module it initializes lazily. */
const bundleText = async (handler: string): Promise<string> => {
  const result = await build({
    entryPoints: [resolve(root, 'functions', `${handler}.ts`)],
    bundle: true,
    write: false,
    minify: false,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    outfile: 'out.js',
    absWorkingDir: root,
  });
  return result.outputFiles[0]!.text;
};

/** esbuild's lazy initializer of a module (`__esm({ "path"() { ... } })`): its code runs at its first import(). */
const initializedOnFirstImport = (text: string, path: string) => text.includes(`"${path}"() {`);

const fullZod = (path: string) => /node_modules\/zod\/(index\.js|v4\/classic\/)/.test(path);
const reconciler = (path: string) => /lib\/reconcile\/(pass|plan\/phases)\//.test(path);
const elbClient = (path: string) => path.includes('@aws-sdk/client-elastic-load-balancing-v2/');
/** The service request schemas (create, update: auto scaling, strategies, hooks...), built at load: the API's. */
const serviceSchemas = (path: string) =>
  /lib\/validation\/(schemas|autoscaling|strategies|analysis|approval|lifecycle-hooks|load-balancers|spot-fallback)\.ts$/.test(
    path,
  ) || /lib\/use-cases\/services\.ts$/.test(path);
const lambdaClient = (path: string) => path.includes('@aws-sdk/client-lambda/');
const cloudWatchClient = (path: string) => path.includes('@aws-sdk/client-cloudwatch/');

describe('function bundles', () => {
  it.each(['task-events', 'reconcile-worker', 'reconcile-scheduler', 'scaling-evaluator'])(
    '%s validates with zod/mini and leaves the full zod out',
    async (handler) => {
      const modules = await bundledModules(handler);
      expect(modules.filter(fullZod)).toEqual([]);
      expect(modules.some((path) => path.includes('node_modules/zod/v4/mini/'))).toBe(true);
    },
    30_000,
  );

  it.each(['task-events', 'deploy-events', 'jobs-scheduler'])(
    '%s holds neither the reconciler nor the ELB client',
    async (handler) => {
      const modules = await bundledModules(handler);
      expect(modules.filter(reconciler)).toEqual([]);
      expect(modules.filter(elbClient)).toEqual([]);
    },
    30_000,
  );

  it.each(['deploy-events', 'jobs-scheduler'])(
    '%s builds no service request schema at load (only the task definition, deploy and task ones)',
    async (handler) => {
      const modules = await bundledModules(handler);
      expect(modules.filter(serviceSchemas)).toEqual([]);
      expect(modules.some((path) => path.endsWith('lib/validation/task-definition-schemas.ts'))).toBe(true);
    },
    30_000,
  );

  it("the jobs scheduler holds neither the Lambda nor the CloudWatch client (hooks and analysis are the reconciler's)", async () => {
    const modules = await bundledModules('jobs-scheduler');
    expect(modules.filter(lambdaClient)).toEqual([]);
    expect(modules.filter(cloudWatchClient)).toEqual([]);
  }, 30_000);

  it('the API holds no Lambda client: its planner only plans, and a plan calls no lifecycle hook', async () => {
    const modules = await bundledModules('api');
    expect(modules.filter(lambdaClient)).toEqual([]);
    expect(modules.some((path) => /lib\/reconcile\/pass\/reconcile\.ts$/.test(path))).toBe(true);
  }, 30_000);

  it('the API builds its OpenAPI document (110 KB of object literal) at its first answer, not at load', async () => {
    const text = await bundleText('api');
    expect(initializedOnFirstImport(text, 'lib/api/openapi.json')).toBe(true);
  }, 30_000);

  it('the scheduler holds the ELB client but not the reconciler', async () => {
    const modules = await bundledModules('reconcile-scheduler');
    expect(modules.some(elbClient)).toBe(true);
    expect(modules.filter((path) => /lib\/reconcile\/pass\/reconcile\.ts$/.test(path))).toEqual([]);
  }, 30_000);
});
