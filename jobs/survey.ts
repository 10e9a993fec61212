// The `survey` queue's worker: asks a resolved conversation's customer for a rating, through the adapter of its
// platform. Runs where the adapters are (the bot process), like the digest. Jobs are added by whoever resolves
// (adapters, the maintenance job) with the id `survey-<hash of conversation and round>` and a delay of the
// workspace's quiet period; askSurvey re-checks the round and claims the survey, so it is asked once.
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { askSurvey, SURVEY_QUEUE, type AskOutcome, type SurveyJobData, type SurveyPort, type SurveySettings } from '../src/feedback/index.js';
import type { Logger } from '../src/logger.js';
import type { PlatformAdapter } from '../src/platform.js';
import { closeWorkers, queueErrorListener, watchRedisConnection, workerConnection } from '../src/queue.js';
import { reportOutage } from '../src/reachability.js';

export interface SurveyWorkerDeps {
  adapters: PlatformAdapter[];
  defaults: SurveySettings;
  timeZone: string;
  log: Logger;
  redisUrl: string;
  prefix: string;
  now?: () => Date;
}

/** The adapters that can ask surveys. */
export function surveyPorts(adapters: PlatformAdapter[]): SurveyPort[] {
  return adapters
    .filter((a) => typeof a.postSurvey === 'function')
    .map((a) => ({ platform: a.platform, postSurvey: (req) => a.postSurvey!(req) }));
}

/** The processor: a plain function of the job (tested without a Worker). */
export function createSurveyProcessor(deps: Omit<SurveyWorkerDeps, 'redisUrl' | 'prefix'>): (job: Pick<Job<SurveyJobData>, 'data' | 'id'>) => Promise<AskOutcome> {
  const ports = surveyPorts(deps.adapters);
  return (job) => askSurvey(job.data, { ports, defaults: deps.defaults, timeZone: deps.timeZone, log: deps.log, ...(deps.now ? { now: deps.now } : {}) });
}

export interface SurveyWorkerHandle {
  worker: Worker<SurveyJobData>;
  close(): Promise<void>;
}

export function startSurveyWorker(deps: SurveyWorkerDeps): SurveyWorkerHandle {
  const consumer: Redis = watchRedisConnection(workerConnection(deps.redisUrl), deps.redisUrl, deps.log);
  const worker = new Worker<SurveyJobData, AskOutcome>(SURVEY_QUEUE, createSurveyProcessor(deps), { connection: consumer, prefix: deps.prefix, concurrency: 2 });
  worker.on('error', queueErrorListener(deps.redisUrl, deps.log, { queue: SURVEY_QUEUE }, 'error'));
  worker.on('failed', (job, err) => {
    if (!reportOutage(err)) deps.log.warn({ queue: SURVEY_QUEUE, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
  });
  return {
    worker,
    async close() {
      await closeWorkers([() => worker.close()], [consumer], deps.log);
    },
  };
}
