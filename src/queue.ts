// Queue names, typed job payloads and Redis connections for BullMQ.
import { Queue, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { tagChunkJobId, tagJobId } from './domain/keys.js';
import { redactUrl } from './config.js';
import { QueueUnavailableError, ServiceUnreachableError } from './errors.js';
import type { Logger } from './logger.js';
import { isConnectionError, reachability, reportOutage } from './reachability.js';
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
 * How long a Redis connection waits before its next reconnection attempt: 0.5 s, 1 s, 2 s … up to 10 s, with a
 * little jitter so a process's connections do not knock together. Retried for ever; reported once per outage.
 */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(250 * 2 ** Math.min(attempt, 6), 10_000);
  return Math.round(base * (0.9 + Math.random() * 0.2));
}

/**
 * A connection for a BullMQ producer (Queue): it fails fast while Redis is down instead of buffering
 * commands in memory, so capture can store the message and leave the tagging to the sweeper.
 */
export function producerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: reconnectDelay, ...extra });
}

/** A connection for a BullMQ Worker: blocking commands, retried for ever. */
export function workerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay, ...extra });
}

/**
 * Reports a Redis connection's outages through the process's one Redis Reachability: one warning when Redis
 * stops answering, one line when this connection is ready again, nothing for each failed retry.
 */
export function watchRedisConnection(conn: Redis, redisUrl: string, log: Logger): Redis {
  const reach = reachability('Redis', redisUrl, log);
  conn.on('error', (err: Error) => (isConnectionError(err) ? reach.down(err) : log.warn({ err: err.message }, 'redis error')));
  conn.on('ready', () => reach.up());
  return conn;
}

/**
 * The 'error' listener of a BullMQ Queue or Worker: a lost connection goes to the service's Reachability (once
 * per outage), anything else is logged as it comes.
 */
export function queueErrorListener(redisUrl: string, log: Logger, fields: Record<string, unknown>, level: 'warn' | 'error' = 'warn'): (err: Error) => void {
  reachability('Redis', redisUrl, log);
  return (err) => {
    if (!reportOutage(err)) log[level]({ err: err.message, ...fields }, level === 'error' ? 'worker error' : 'queue error');
  };
}

/**
 * Checks at start that Redis answers a PING within the timeout; throws a ServiceUnreachableError naming
 * REDIS_URL otherwise. One attempt, no retries: the caller exits with that one line.
 */
export async function checkRedis(redisUrl: string, timeoutMs: number): Promise<void> {
  const conn = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  let lastError: Error | null = null;
  conn.on('error', (err: Error) => (lastError = err));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await conn.connect();
        await conn.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    const why = (lastError ?? (err as Error)).message.split('\n')[0] ?? 'no answer';
    throw new ServiceUnreachableError('Redis', redactUrl(redisUrl), 'REDIS_URL', why, { cause: err });
  } finally {
    clearTimeout(timer);
    conn.disconnect();
  }
}

/**
 * Disconnects a Redis connection. One still connecting is let finish first (2 s at most): cut mid-handshake,
 * ioredis reports "Stream isn't writeable" for a connection nobody uses any more (a command that failed at
 * once, such as an import of a missing file, closed its queues that way).
 */
export async function closeRedis(conn: Redis, waitMs = 2_000): Promise<void> {
  if (conn.status === 'connecting' || conn.status === 'connect') {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        conn.off('ready', done);
        conn.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      conn.once('ready', done);
      conn.once('end', done);
    });
  }
  conn.disconnect();
}

/** How long closing a process's BullMQ workers waits for their running jobs before cutting their connections. */
export const WORKER_CLOSE_GRACE_MS = 10_000;

/**
 * Closes BullMQ workers (each `close()` lets its running jobs finish), then disconnects their connections. A
 * close that has not finished within the grace period is given up: BullMQ 6 never finishes closing a worker
 * whose blocking connection is waiting to reconnect (Redis down, or just back), and a job cut short is
 * retried as a stalled job by whichever worker runs next.
 */
export async function closeWorkers(closes: Array<() => Promise<unknown>>, connections: Redis[], log: Logger, graceMs = WORKER_CLOSE_GRACE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    Promise.allSettled(closes.map((c) => c())).then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!done) log.warn({ graceSeconds: graceMs / 1000 }, 'workers did not finish closing in time; their connections are closed now');
  for (const c of connections) c.disconnect();
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
    this.connection = watchRedisConnection(producerConnection(opts.redisUrl), opts.redisUrl, this.log);
    this.tag = new Queue<TagJobData>(QUEUE.tag, { connection: this.connection, prefix: opts.prefix, defaultJobOptions: TAG_JOB_OPTIONS });
    this.tagChunk = new Queue<TagChunkJobData>(QUEUE.tagChunk, { connection: this.connection, prefix: opts.prefix, defaultJobOptions: TAG_CHUNK_JOB_OPTIONS });
    this.maintenance = new Queue(QUEUE.maintenance, { connection: this.connection, prefix: opts.prefix });
    this.survey = new Queue<SurveyJobData>(QUEUE.survey, { connection: this.connection, prefix: opts.prefix });
    this.surveyDefaults = opts.survey ?? DEFAULT_SURVEY_SETTINGS;
    for (const q of [this.tag, this.tagChunk, this.maintenance, this.survey]) q.on('error', queueErrorListener(opts.redisUrl, this.log, { queue: q.name }));
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

  /**
   * Resolves once the producer connection is ready. It refuses commands until then (no offline queue), so an
   * event captured in a process's first moments would be stored with its tag job left to the sweeper; the app
   * waits for this before it takes events.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    if (this.connection.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connection.off('ready', onReady);
        reject(new QueueUnavailableError(`the queue's Redis connection was not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      this.connection.once('ready', onReady);
    });
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
    await closeRedis(this.connection);
  }
}
