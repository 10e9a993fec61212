// Queue names, typed job payloads and Redis connections for BullMQ.
import { Queue, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { tagJobId } from './capture/keys.js';
import { QueueUnavailableError } from './errors.js';
import type { Logger } from './logger.js';
import { retryDeferredSurveys, scheduleOrDefer, SURVEY_QUEUE, type SurveyJobData } from './feedback/schedule.js';
import { DEFAULT_SURVEY_SETTINGS, type SurveyScheduler, type SurveySettings } from './feedback/types.js';

export const QUEUE = {
  tag: 'tag',
  maintenance: 'maintenance',
  survey: SURVEY_QUEUE,
} as const;

export interface TagJobData {
  /** The message's `_id` (platform:workspaceId:channelId:messageId). */
  messageKey: string;
  /** The revision the job was enqueued for; the processor always tags the current one. */
  rev: number;
}

export type MaintenanceJobName = 'sweep-untagged' | 'resolve-quiet' | 'retention';

export const TAG_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs are kept a day so a redelivered event finds its job and adds none; the processor is
  // idempotent past that window too.
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  // Failed jobs stay two weeks for inspection.
  removeOnFail: { age: 14 * 24 * 3600 },
};

/**
 * A connection for a BullMQ producer (Queue): it fails fast while Redis is down instead of buffering
 * commands in memory, so capture can store the message and leave the tagging to the sweeper.
 */
export function producerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, ...extra });
}

/** A connection for a BullMQ Worker: blocking commands, retried for ever. */
export function workerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, ...extra });
}

export interface QueuesOptions {
  redisUrl: string;
  prefix: string;
  log: Logger;
  /** Survey defaults (SURVEY_*); absent = surveys off unless a workspace turns them on. */
  survey?: SurveySettings;
}

/** The producer side: what capture and the adapters use to enqueue work. */
export class Queues implements SurveyScheduler {
  readonly tag: Queue<TagJobData>;
  readonly maintenance: Queue;
  /** Satisfaction surveys to ask (consumed where the adapters run: jobs/survey.ts). */
  readonly survey: Queue<SurveyJobData>;
  readonly surveyDefaults: SurveySettings;
  private readonly connection: Redis;
  private readonly log: Logger;

  constructor(opts: QueuesOptions) {
    this.log = opts.log;
    this.connection = producerConnection(opts.redisUrl);
    this.connection.on('error', (err) => this.log.warn({ err: err.message }, 'redis (producer) error'));
    this.tag = new Queue<TagJobData>(QUEUE.tag, { connection: this.connection, prefix: opts.prefix, defaultJobOptions: TAG_JOB_OPTIONS });
    this.maintenance = new Queue(QUEUE.maintenance, { connection: this.connection, prefix: opts.prefix });
    this.survey = new Queue<SurveyJobData>(QUEUE.survey, { connection: this.connection, prefix: opts.prefix });
    this.surveyDefaults = opts.survey ?? DEFAULT_SURVEY_SETTINGS;
    for (const q of [this.tag, this.maintenance, this.survey]) q.on('error', (err) => this.log.warn({ err: err.message, queue: q.name }, 'queue error'));
  }

  /** Enqueues the tag job for one revision of a message; the job id makes it single. */
  async enqueueTag(messageKey: string, rev: number): Promise<void> {
    try {
      await this.tag.add('tag', { messageKey, rev }, { jobId: tagJobId(messageKey, rev) });
    } catch (err) {
      throw new QueueUnavailableError(`could not enqueue tag job for ${messageKey}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * For the sweeper: enqueues the tag job, or retries it when a job of that id failed every attempt (for
   * example through a long database outage). Re-adding a failed job's id would be ignored by BullMQ.
   */
  async requeueTag(messageKey: string, rev: number): Promise<'added' | 'retried' | 'exists'> {
    try {
      const job = await this.tag.getJob(tagJobId(messageKey, rev));
      if (job && (await job.isFailed())) {
        await job.retry('failed');
        return 'retried';
      }
      if (job) return 'exists';
      await this.tag.add('tag', { messageKey, rev }, { jobId: tagJobId(messageKey, rev) });
      return 'added';
    } catch (err) {
      throw new QueueUnavailableError(`could not requeue tag job for ${messageKey}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Schedules the survey of a resolve round (src/feedback/schedule.ts); with Redis down it is deferred to the sweep. */
  scheduleSurvey(conversationId: string, round: number): Promise<'scheduled' | 'disabled' | 'skipped' | 'deferred'> {
    return scheduleOrDefer(this.survey, this.surveyDefaults, conversationId, round, this.log);
  }

  /** Enqueues surveys deferred while Redis was down (the periodic sweep calls this). */
  retryDeferredSurveys(): Promise<{ retried: number; left: number }> {
    return retryDeferredSurveys(this.survey, this.surveyDefaults, this.log);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.connection.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.tag.close(), this.maintenance.close(), this.survey.close()]);
    this.connection.disconnect();
  }
}
