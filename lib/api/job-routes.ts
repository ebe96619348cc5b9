import type { UseCaseContext } from '../use-cases/context';
import {
  createJob,
  deleteJob,
  describeJob,
  listJobRuns,
  listJobs,
  runJobNow,
  updateJob,
} from '../use-cases/jobs';
import { type ApiRequest, jsonResponse, pageFromQuery } from './http';
import { jsonRoute, type Route } from './router';

export const JOBS = '/clusters/{cluster}/jobs';
export const JOB = `${JOBS}/{job}`;

/** A route answering a job with its ETag (the spec's version, for If-Match). */
const jobRoute = (
  method: Route['method'],
  path: string,
  jobOf: (request: ApiRequest) => Promise<{ version: number }>,
  statusCode = 200,
): Route => ({
  method,
  path,
  handler: async (request) => {
    const job = await jobOf(request);
    return jsonResponse(statusCode, job, { etag: `"${job.version}"` });
  },
});

/** Scheduled jobs: the jobs, their runs, run now. */
export const jobRoutes = (context: UseCaseContext): Route[] => [
  jobRoute('POST', JOBS, (request) => createJob(context, request.params.cluster!, request.json()), 201),
  jsonRoute('GET', JOBS, ({ params, query }) => listJobs(context, params.cluster!, pageFromQuery(query))),
  jobRoute('GET', JOB, ({ params }) => describeJob(context, params.cluster!, params.job!)),
  jobRoute('PATCH', JOB, (request) =>
    updateJob(
      context,
      request.params.cluster!,
      request.params.job!,
      request.json(),
      request.headers['if-match'],
    ),
  ),
  jobRoute('DELETE', JOB, (request) =>
    deleteJob(
      context,
      request.params.cluster!,
      request.params.job!,
      { stopRuns: request.query.stopRuns },
      request.headers['if-match'],
    ),
  ),
  jsonRoute('GET', `${JOB}/runs`, ({ params, query }) =>
    listJobRuns(context, params.cluster!, params.job!, pageFromQuery(query)),
  ),
  jsonRoute('POST', `${JOB}/runs`, ({ params }) => runJobNow(context, params.cluster!, params.job!), 201),
];
