/**
 * `apply -f` of a file with a top-level `job` key (and, optionally, the `taskDefinition` it runs): the
 * task definition is registered when it changed, the job created or patched with what differs. A job
 * whose file names a task definition block and no `job.taskDefinition` runs the family's latest ACTIVE
 * revision at each run, so a new revision needs no change of the job.
 */
import type { JobView, TaskDefinition } from '../../client/api-types';
import type { ApiClient } from '../../client/client';
import { CliError, EXIT } from '../../client/errors';
import { registerTaskDefinitionSchema } from '../../lib/validation/schemas';
import { colours as c, lineDiff } from '../render';
import { comparableTaskDefinition, projectOnto, yaml } from './apply-shared';

export interface JobSpec {
  job: Record<string, unknown>;
  taskDefinition?: Record<string, unknown>;
}

/** What a PATCH cannot change. */
const FIXED = new Set(['jobName']);

const registerIfChanged = async (api: ApiClient, definition: Record<string, unknown>, dryRun: boolean) => {
  const family = definition.family;
  if (typeof family !== 'string') throw new CliError('taskDefinition.family is required');
  const parsed = registerTaskDefinitionSchema().safeParse(definition);
  const desired = comparableTaskDefinition(parsed.success ? parsed.data : definition);
  const latest = await api.get<TaskDefinition>(`/task-definitions/${encodeURIComponent(family)}/latest`, {
    allow: [404],
  });
  const stored =
    latest.status === 200
      ? comparableTaskDefinition(latest.body as unknown as Record<string, unknown>)
      : undefined;
  const diff = lineDiff(yaml(stored), yaml(desired));
  if (diff === '') return family;
  console.log(
    c.bold(
      `task definition ${family}: ${stored ? `changes from ${family}:${latest.body.revision}` : 'new family'}`,
    ),
  );
  console.log(diff);
  if (dryRun) return family;
  const { body } = await api.post<TaskDefinition>('/task-definitions', definition);
  console.log(`registered ${c.bold(`${body.family}:${body.revision}`)}`);
  return family;
};

export const applyJob = async (
  api: ApiClient,
  options: { cluster: string; dryRun?: boolean },
  spec: JobSpec,
): Promise<number> => {
  const jobName = spec.job.jobName;
  if (typeof jobName !== 'string') throw new CliError('job.jobName is required');
  const family = spec.taskDefinition
    ? await registerIfChanged(api, spec.taskDefinition, Boolean(options.dryRun))
    : undefined;
  const desired: Record<string, unknown> = {
    ...spec.job,
    ...(spec.job.taskDefinition === undefined && family ? { taskDefinition: family } : {}),
  };
  if (desired.taskDefinition === undefined)
    throw new CliError('job.taskDefinition is required (or a taskDefinition block beside the job)');
  const path = `/clusters/${encodeURIComponent(options.cluster)}/jobs/${encodeURIComponent(jobName)}`;
  const existing = await api.get<JobView>(path, { allow: [404] });
  const stored = existing.status === 200 ? existing.body : undefined;
  const diff = lineDiff(yaml(stored ? projectOnto(stored, desired) : undefined), yaml(desired));
  if (diff === '') {
    console.log(`No changes: job ${jobName} is up to date.`);
    return EXIT.ok;
  }
  console.log(c.bold(`job ${jobName}: ${stored ? 'changes' : 'new job'}`));
  console.log(diff);
  if (options.dryRun) {
    console.log(c.dim('dry run: nothing changed'));
    return EXIT.ok;
  }
  if (!stored) {
    const { body } = await api.post<JobView>(
      `/clusters/${encodeURIComponent(options.cluster)}/jobs`,
      desired,
    );
    console.log(`created job ${c.bold(jobName)}; next run ${body.nextRuns[0] ?? '-'}`);
    return EXIT.ok;
  }
  const patch = Object.fromEntries(
    Object.entries(desired).filter(
      ([key, value]) =>
        !FIXED.has(key) &&
        JSON.stringify(projectOnto((stored as unknown as Record<string, unknown>)[key], value)) !==
          JSON.stringify(value),
    ),
  );
  const { body } = await api.patch<JobView>(path, patch, { headers: { 'if-match': `"${stored.version}"` } });
  console.log(
    `updated job ${c.bold(jobName)} (version ${body.version}); next run ${body.nextRuns[0] ?? '-'}`,
  );
  return EXIT.ok;
};
