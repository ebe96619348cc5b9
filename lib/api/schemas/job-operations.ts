/** The scheduled jobs' operations of the HTTP API, as the OpenAPI document describes them. */
import * as z from 'zod';
import { createJobSchema, jobNameSchema, updateJobSchema } from '../../validation/jobs';
import * as jobResponses from './job-responses';
import {
  CHANGED,
  CLUSTER_NOT_FOUND,
  cluster,
  INVALID,
  ifMatch,
  type Operation,
  pageOperation,
  path,
  readOperation,
} from './operation-parts';

const JOBS = '/clusters/{cluster}/jobs';
const JOB = `${JOBS}/{job}`;
const job = path('job', 'Job name', jobNameSchema());
const jobAnswer = (description: string) => ({ description, schema: jobResponses.jobSchema, etag: true });

export const jobOperations: Operation[] = [
  {
    method: 'post',
    path: JOBS,
    operationId: 'createJob',
    tag: 'jobs',
    summary: 'Create a scheduled job',
    description:
      'A task definition run on a schedule (EventBridge Scheduler syntax, at most once a minute) with a concurrency policy, a starting deadline, retries and a timeout. Every tick from now on is either run or recorded with why not.',
    parameters: [cluster],
    body: { schema: createJobSchema(), required: true },
    responses: {
      201: jobAnswer('The job, with its next five ticks'),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: 'A job of that name exists in the cluster',
    },
  },
  pageOperation({
    path: JOBS,
    operationId: 'listJobs',
    tag: 'jobs',
    summary: "The cluster's jobs, by name",
    description: 'Each job with its last verdict and next ticks, a page at a time.',
    parameters: [cluster],
    answer: { description: 'A page of jobs', schema: jobResponses.jobPageSchema },
  }),
  readOperation({
    path: JOB,
    operationId: 'describeJob',
    tag: 'jobs',
    summary: 'A job, its next five ticks and whether its last runs failed',
    description: 'The job as stored, its next five ticks, the last verdict and the failure streak.',
    parameters: [cluster, job],
    answer: jobAnswer('The job'),
  }),
  {
    method: 'patch',
    path: JOB,
    operationId: 'updateJob',
    tag: 'jobs',
    summary: 'Change a job',
    description:
      'Changes the fields given (null clears startingDeadlineSeconds or timeoutSeconds). A new schedule applies from the next tick; runs already live go on.',
    parameters: [cluster, job, ifMatch],
    body: { schema: updateJobSchema(), required: true },
    responses: { 200: jobAnswer('The changed job'), 400: INVALID, 404: CLUSTER_NOT_FOUND, 412: CHANGED },
  },
  {
    method: 'delete',
    path: JOB,
    operationId: 'deleteJob',
    tag: 'jobs',
    summary: 'Delete a job and its run history',
    description: 'Live runs go on unless stopRuns=true, which stops their tasks (ECS StopTask).',
    parameters: [
      cluster,
      job,
      ifMatch,
      {
        name: 'stopRuns',
        in: 'query',
        description: "true: stop the live runs' tasks too",
        schema: z.enum(['true', 'false']),
      },
    ],
    responses: { 200: jobAnswer('The job deleted'), 400: INVALID, 404: CLUSTER_NOT_FOUND, 412: CHANGED },
  },
  pageOperation({
    path: `${JOB}/runs`,
    operationId: 'listJobRuns',
    tag: 'jobs',
    summary: "A job's runs, newest first",
    description:
      'One entry per tick and attempt: scheduled time, task, started, stopped, exit code and verdict (SUCCEEDED, FAILED, TIMED_OUT, MISSED, SKIPPED, REPLACED, LAUNCH_FAILED) with its reason.',
    parameters: [cluster, job],
    answer: { description: 'A page of runs', schema: jobResponses.jobRunPageSchema },
  }),
  {
    method: 'post',
    path: `${JOB}/runs`,
    operationId: 'runJobNow',
    tag: 'jobs',
    summary: 'Run the job now, outside its schedule',
    description:
      'Launches one run at once (trigger MANUAL); the concurrency policy and the deadline do not apply to it, retries and the timeout do.',
    parameters: [cluster, job],
    responses: {
      201: { description: 'The run', schema: jobResponses.jobRunSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
];
