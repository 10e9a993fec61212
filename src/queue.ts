// Queue names, typed job payloads and Redis connections for BullMQ.
import { Queue, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { tagChunkJobId, tagJobId } from './domain/keys.js';
import { QueueUnavailableError } from './errors.js';
import type { Logger } from './logger.js';
import { retryDeferredSurveys, scheduleOrDefer, SURVEY_QUEUE, type SurveyJobData } from './feedback/schedule.js';
import { type SurveyScheduler } from './feedback/types.js';
import { DEFAULT_SURVEY_SETTINGS, type SurveySettings } from './domain/survey.js';

export const QUEUE = {
  tag: 'tag',
  /** One job per chunk of messages the bulk importer wrote; the worker expands it into their `tag` jobs. */
  tagChunk: 'tag-chunk',
  maintenance: 'maintenance',
  survey: SURVEY_QUEUE,
} as const;

export interface TagJobData {
  /** The message's `_id` (platform:workspaceId:channelId:messageId). */
  messageKey: string;
  /** The revision the job was enqueued for; the processor always tags the current one. */
  rev: number;
}

/** The tag jobs of a chunk of messages, enqueued as one job (see Queues.enqueueTagChunk). */
export interface TagChunkJobData {
  items: TagJobData[];
}

export type MaintenanceJobName = 'sweep-untagged' | 'resolve-quiet' | 'retention';

export const TAG_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs are kept a day for inspection. They do not hold their id against new work: enqueuing a
  // job whose id a finished job holds replaces that job (Queues.addFresh); the processor is idempotent.
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  // Failed jobs stay two weeks for inspection.
  removeOnFail: { age: 14 * 24 * 3600 },
};

/**
 * A chunk job is cheap to retry (expanding it again adds only the jobs that are missing), and if it fails
 * every attempt the untagged sweep still enqueues its messages' jobs (they are stored with needsTagging).
 */
export const TAG_CHUNK_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
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
  /** Chunks of tag jobs from the bulk importer, expanded by the worker (jobs/tag.ts). */
  readonly tagChunk: Queue<TagChunkJobData>;
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
    this.tagChunk = new Queue<TagChunkJobData>(QUEUE.tagChunk, { connection: this.connection, prefix: opts.prefix, defaultJobOptions: TAG_CHUNK_JOB_OPTIONS });
    this.maintenance = new Queue(QUEUE.maintenance, { connection: this.connection, prefix: opts.prefix });
    this.survey = new Queue<SurveyJobData>(QUEUE.survey, { connection: this.connection, prefix: opts.prefix });
    this.surveyDefaults = opts.survey ?? DEFAULT_SURVEY_SETTINGS;
    for (const q of [this.tag, this.tagChunk, this.maintenance, this.survey]) q.on('error', (err) => this.log.warn({ err: err.message, queue: q.name }, 'queue error'));
  }

  /**
   * Enqueues the tag job for one revision of a message. Its id makes it single while it waits or runs (a
   * redelivered event adds nothing); once it has finished, enqueuing it again runs it again (addFresh).
   */
  async enqueueTag(messageKey: string, rev: number): Promise<void> {
    try {
      await this.addFresh(this.tag, [{ name: 'tag', data: { messageKey, rev }, opts: { jobId: tagJobId(messageKey, rev) } }]);
    } catch (err) {
      throw new QueueUnavailableError(`could not enqueue tag job for ${messageKey}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Enqueues the tag jobs of many messages as one job, which the worker expands (`expandTagChunk`): one
   * Redis write per chunk instead of one job per message on the importer's path. The job id comes from the
   * chunk's keys, so enqueuing the same chunk again while it waits adds nothing.
   */
  async enqueueTagChunk(items: TagJobData[]): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.addFresh(this.tagChunk, [{ name: 'tag-chunk', data: { items }, opts: { jobId: tagChunkJobId(items) } }]);
    } catch (err) {
      throw new QueueUnavailableError(`could not enqueue the tag jobs of ${items.length} messages: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Adds the `tag` job of each item, with the id live capture and the sweeper use (`tagJobId`): a job that
   * is waiting or running already is left as it is, so expanding a chunk twice, or after the sweeper, adds nothing.
   */
  async expandTagChunk(items: TagJobData[]): Promise<number> {
    if (items.length === 0) return 0;
    await this.addFresh(this.tag, items.map((i) => ({ name: 'tag', data: { messageKey: i.messageKey, rev: i.rev }, opts: { jobId: tagJobId(i.messageKey, i.rev) } })));
    return items.length;
  }

  /**
   * Adds jobs under deterministic ids. BullMQ ignores an add whose id exists in any state, which keeps a job
   * single while it waits, is delayed or runs: a duplicate delivery never tags twice. But a *completed* job
   * would swallow the same work enqueued again, silently, for as long as it is kept (a day): the database
   * replaced under the same Redis (the quick start run twice), a customer forgotten and captured again. So the
   * ids held by completed jobs are freed first (one pipelined round trip; a removal only where one is). A
   * failed job keeps its id for inspection: the untagged sweep retries it (requeueTag), and catches the rare
   * job that completes between this check and the add.
   */
  private async addFresh<T>(queue: Queue<T>, jobs: Array<{ name: string; data: T; opts: JobsOptions & { jobId: string } }>): Promise<void> {
    const pipeline = this.connection.pipeline();
    for (const j of jobs) pipeline.zscore(queue.keys.completed!, j.opts.jobId);
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < jobs.length; i++) {
      const [err, score] = replies[i] ?? [null, null];
      if (err) throw err;
      if (score != null) await queue.remove(jobs[i]!.opts.jobId);
    }
    if (jobs.length === 1) await queue.add(jobs[0]!.name as never, jobs[0]!.data as never, jobs[0]!.opts);
    else await queue.addBulk(jobs as never);
  }

  /**
   * For the sweeper: enqueues the tag job, or retries it when a job of that id failed every attempt (for
   * example through a long database outage). A completed job of that id is stale (the message still needs
   * tagging), so it is replaced.
   */
  async requeueTag(messageKey: string, rev: number): Promise<'added' | 'retried' | 'exists'> {
    try {
      const job = await this.tag.getJob(tagJobId(messageKey, rev));
      if (job && (await job.isFailed())) {
        await job.retry('failed');
        return 'retried';
      }
      if (job && !(await job.isCompleted())) return 'exists';
      await this.addFresh(this.tag, [{ name: 'tag', data: { messageKey, rev }, opts: { jobId: tagJobId(messageKey, rev) } }]);
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
    await Promise.allSettled([this.tag.close(), this.tagChunk.close(), this.maintenance.close(), this.survey.close()]);
    this.connection.disconnect();
  }
}
