/** What the Jobs page reads: each cluster's jobs, and each job's newest runs. */
import type { JobRun, JobView, Page } from '../client/api-types';
import type { ApiClient } from '../client/client';
import { listAll } from '../client/queries';
import type { ClusterJobs } from './jobs-page';
import { STRIP_RUNS } from './jobs-page';
import { messageOf } from './reads';

export const readJobs = (api: ApiClient, clusters: string[]): Promise<ClusterJobs[]> =>
  Promise.all(
    clusters.map(async (cluster) => {
      const path = `/clusters/${encodeURIComponent(cluster)}/jobs`;
      try {
        const jobs = await listAll<JobView>(api, path);
        return {
          cluster,
          jobs: await Promise.all(
            jobs.map(async (job) => {
              try {
                const { body } = await api.get<Page<JobRun>>(
                  `${path}/${encodeURIComponent(job.jobName)}/runs?maxResults=${STRIP_RUNS}`,
                );
                return { job, runs: body.items };
              } catch (error) {
                return { job, runs: [], error: messageOf(error) };
              }
            }),
          ),
        };
      } catch (error) {
        return { cluster, jobs: [], error: messageOf(error) };
      }
    }),
  );
