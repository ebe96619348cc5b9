import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { load } from 'js-yaml';
import type { ServiceDescription, ServicePlan, TaskDefinition } from '../../client/api-types';
import { servicePath } from '../../client/client';
import { CliError, EXIT } from '../../client/errors';
import { registerTaskDefinitionSchema } from '../../lib/validation/schemas';
import {
  apiFor,
  clusterOption,
  examples,
  exitWith,
  followRollout,
  rolloutWaitOption,
  timeoutOption,
} from '../context';
import { colours as c, lineDiff } from '../render';
import { declaredService, PATCHABLE } from './apply-declared';
import { applyJob } from './apply-job';
import { comparableTaskDefinition, projectOnto, yaml } from './apply-shared';

export { projectOnto };

import { actionLine } from './plan';

const readSpec = async (file: string) => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let loaded: unknown;
  try {
    loaded = load(text);
  } catch (error) {
    throw new CliError(`${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(loaded) && isObject(loaded.job)) {
    const taskDefinition = isObject(loaded.taskDefinition) ? loaded.taskDefinition : undefined;
    return { kind: 'job' as const, job: loaded.job, ...(taskDefinition ? { taskDefinition } : {}) };
  }
  if (!isObject(loaded) || !isObject(loaded.taskDefinition) || !isObject(loaded.service))
    throw new CliError(
      `${file} must have two top-level keys, taskDefinition and service (or job, with an optional taskDefinition)`,
    );
  const spec = { kind: 'service' as const, taskDefinition: loaded.taskDefinition, service: loaded.service };
  if (typeof spec.taskDefinition.family !== 'string')
    throw new CliError(`${file}: taskDefinition.family is required`);
  if (typeof spec.service.serviceName !== 'string')
    throw new CliError(`${file}: service.serviceName is required`);
  return spec;
};

export const registerApply = (program: Command) => {
  const command = program
    .command('apply')
    .description(
      'register the task definition (when it changed) and create or update the service (or scheduled job) in a file',
    )
    .requiredOption('-f, --file <path>', 'YAML or JSON with taskDefinition and service, or with job')
    .option(...clusterOption)
    .option('--dry-run', 'print the diff and the reconciler plan; change nothing')
    .option(...rolloutWaitOption)
    .addOption(timeoutOption())
    .action(
      exitWith(async (options, cmd: Command) => {
        const api = apiFor(cmd);
        const read = await readSpec(options.file);
        if (read.kind === 'job') return applyJob(api, options, read);
        const spec = read;
        const family = String(spec.taskDefinition.family);
        const serviceName = String(spec.service.serviceName);
        const path = servicePath(options.cluster, serviceName);
        // Normalised as the API stores it (defaults filled), so an unchanged file compares equal.
        const parsed = registerTaskDefinitionSchema().safeParse(spec.taskDefinition);
        const desiredDefinition = comparableTaskDefinition(
          parsed.success ? parsed.data : spec.taskDefinition,
        );

        const latest = await api.get<TaskDefinition>(
          `/task-definitions/${encodeURIComponent(family)}/latest`,
          {
            allow: [404],
          },
        );
        const storedDefinition =
          latest.status === 200
            ? comparableTaskDefinition(latest.body as unknown as Record<string, unknown>)
            : undefined;
        const definitionDiff = lineDiff(yaml(storedDefinition), yaml(desiredDefinition));
        const definitionChanged = definitionDiff !== '';

        const existing = await api.get<ServiceDescription>(path, { allow: [404] });
        const stored = existing.status === 200 ? existing.body : undefined;
        const nextRevision = definitionChanged ? '(new revision)' : `${family}:${latest.body.revision}`;
        const desiredService: Record<string, unknown> = {
          ...spec.service,
          taskDefinition: spec.service.taskDefinition ?? nextRevision,
        };
        const declared = stored ? declaredService(stored, desiredService) : undefined;
        const serviceDiff = declared
          ? lineDiff(yaml(declared.stored), yaml(declared.service))
          : lineDiff('', yaml(desiredService));
        if (stored) {
          for (const key of Object.keys(desiredService)) {
            if (PATCHABLE.has(key) || key === 'serviceName') continue;
            if (
              JSON.stringify(
                projectOnto((stored as unknown as Record<string, unknown>)[key], desiredService[key]),
              ) !== JSON.stringify(desiredService[key])
            )
              console.error(c.yellow(`warning: ${key} of an existing service cannot change; ignored`));
          }
        }

        if (!definitionChanged && !serviceDiff) {
          console.log(
            `No changes: task definition ${nextRevision} and service ${serviceName} are up to date.`,
          );
          for (const note of declared?.notes ?? []) console.log(c.dim(note));
          if (!options.wait || options.dryRun) return EXIT.ok;
        }
        if (definitionChanged) {
          console.log(
            c.bold(
              `task definition ${family}: ${storedDefinition ? `changes from ${family}:${latest.body.revision}` : 'new family'}`,
            ),
          );
          console.log(definitionDiff);
        }
        if (serviceDiff) {
          console.log(c.bold(`service ${serviceName}: ${stored ? 'changes' : 'new service'}`));
          console.log(serviceDiff);
        }
        if (definitionChanged || serviceDiff)
          for (const note of declared?.notes ?? []) console.log(c.dim(note));

        if (options.dryRun) {
          if (stored) {
            const { body: plan } = await api.get<ServicePlan>(`${path}/plan`);
            console.log(c.bold('\nreconciler plan now:'));
            if (plan.actions.length === 0) console.log('  nothing to do');
            for (const action of plan.actions) console.log(`  ${actionLine(action)}`);
            if (definitionChanged || serviceDiff)
              console.log(c.dim('  after apply: a new deployment rolls the changes out'));
          } else {
            console.log(
              c.bold('\nreconciler plan:'),
              `launch ${String(desiredService.desiredCount)} x ${desiredService.taskDefinition} for the new service`,
            );
          }
          console.log(c.dim('dry run: nothing changed'));
          return EXIT.ok;
        }

        let revision = nextRevision;
        if (definitionChanged) {
          const { body, headers } = await api.post<TaskDefinition>('/task-definitions', spec.taskDefinition);
          revision = `${body.family}:${body.revision}`;
          console.log(`registered ${c.bold(revision)}`);
          const warning = headers.get('tugboat-warning');
          if (warning) console.error(c.yellow(`warning: ${warning}`));
        }
        const body = { ...desiredService, taskDefinition: spec.service.taskDefinition ?? revision };
        let service: ServiceDescription;
        if (!stored) {
          service = (
            await api.post<ServiceDescription>(
              `/clusters/${encodeURIComponent(options.cluster)}/services`,
              body,
            )
          ).body;
          console.log(`created service ${c.bold(serviceName)} on ${service.taskDefinition}`);
        } else if (serviceDiff || definitionChanged) {
          // Only what differs: the taskDefinition of a new revision, and each field the diff showed.
          const patch = { ...declared!.patch, taskDefinition: body.taskDefinition };
          service = (await api.patch<ServiceDescription>(path, patch)).body;
          console.log(
            `updated service ${c.bold(serviceName)} (${service.taskDefinition}, desired ${service.desiredCount})`,
          );
        } else {
          service = stored;
        }
        if (!options.wait) return EXIT.ok;
        const primary = service.deployments.find((d) => d.status === 'PRIMARY');
        if (!primary)
          throw new CliError(`service ${serviceName} has no PRIMARY deployment to wait for`, EXIT.failed);
        return followRollout(api, options, serviceName, primary.id);
      }),
    );
  examples(
    command,
    'tugboat apply -f web.yaml --dry-run',
    'tugboat apply -f web.yaml --wait',
    'tugboat apply -f nightly-report.yaml',
  );
};
