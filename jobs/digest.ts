// The weekly digest: a repeatable BullMQ job per workspace (cron in the workspace's time zone) that builds the
// digest of the week just ended and hands it to the platform adapter. Runs where the adapters are (the bot
// process). Exactly one digest per workspace and week: a `digests` record with a unique id is claimed before
// posting, so concurrent workers and retries of a finished post do nothing.
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { declareCollection } from '../src/db/collections.js';
import { withDocLock } from '../src/db/doc-lock.js';
import { Workspace } from '../src/db/models.js';
import { type Platform } from '../src/domain/types.js';
import { workspaceKey } from '../src/domain/keys.js';
import { buildDigest } from '../src/digest/index.js';
import { previousWeek, weekOf } from '../src/time/week.js';
import type { Logger } from '../src/logger.js';
import type { PlatformAdapter } from '../src/platform.js';
import { closeWorkers, producerConnection, queueErrorListener, watchRedisConnection, workerConnection } from '../src/queue.js';
import { reportOutage } from '../src/reachability.js';

export const DIGEST_QUEUE = 'digest';
/** How often the schedule is brought up to date with the workspaces known (new ones get their job). */
export const RESCHEDULE_EVERY_MS = 60 * 60_000;

export interface DigestJobData {
  platform: Platform;
  workspaceId: string;
}

export type DigestJobOutcome =
  | { status: 'posted'; week: string; channelId: string }
  | { status: 'already-posted' | 'in-progress' | 'no-channel' | 'no-adapter'; week: string | null };

export interface DigestDeps {
  adapters: Array<Pick<PlatformAdapter, 'platform' | 'postDigest'>>;
  config: Pick<Config, 'timeZone' | 'digestCron'> & { slack?: { digestChannel?: string }; discord?: { digestChannel?: string } };
  log: Logger;
  /** The clock (tests pass one). */
  now?: () => Date;
}

interface DigestRecord {
  _id: string;
  platform: Platform;
  workspaceId: string;
  week: string;
  state: 'posting' | 'posted' | 'failed';
  channelId: string;
  claimedBy: string;
  claimedAt: Date;
  postedAt?: Date;
  error?: string;
}

const digests = declareCollection<DigestRecord>('digests');

async function workspaceSettings(deps: DigestDeps, data: DigestJobData): Promise<{ timeZone: string; channelId: string | null }> {
  const ws = await Workspace.findById(workspaceKey(data.platform, data.workspaceId), { timeZone: 1, digestChannelId: 1 }).lean();
  const fallback = data.platform === 'slack' ? deps.config.slack?.digestChannel : deps.config.discord?.digestChannel;
  return { timeZone: ws?.timeZone ?? deps.config.timeZone, channelId: ws?.digestChannelId ?? fallback ?? null };
}

/** Takes the right to post this workspace's digest of this week; false when another worker has it or posted it. */
async function claim(id: string, rec: Omit<DigestRecord, '_id' | 'state'>): Promise<'claimed' | 'already-posted' | 'in-progress'> {
  try {
    await digests().insertOne({ _id: id, ...rec, state: 'posting' });
    return 'claimed';
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
  }
  return withDocLock('digests', id, async () => {
    const cur = await digests().findOne({ _id: id });
    if (cur?.state === 'posted') return 'already-posted';
    if (cur?.state !== 'failed') return 'in-progress'; // posting now, or a worker died mid-post: never post twice
    const res = await digests().updateOne({ _id: id, state: 'failed' }, { $set: { state: 'posting', claimedBy: rec.claimedBy, claimedAt: rec.claimedAt } });
    return res.modifiedCount === 1 ? 'claimed' : 'in-progress';
  });
}

/** The processor: a plain function of the job (tested without a Worker). */
export function createDigestProcessor(deps: DigestDeps): (job: Pick<Job<DigestJobData>, 'data' | 'id' | 'timestamp'>) => Promise<DigestJobOutcome> {
  const log = deps.log;
  return async (job) => {
    const { platform, workspaceId } = job.data;
    const adapter = deps.adapters.find((a) => a.platform === platform);
    if (!adapter) return { status: 'no-adapter', week: null };
    const { timeZone, channelId } = await workspaceSettings(deps, job.data);
    // The week that ended before the run was due (a retry hours later still posts that week).
    const due = new Date(job.timestamp || (deps.now?.() ?? new Date()).getTime());
    const week = previousWeek(weekOf(due, timeZone));
    if (!channelId) {
      log.info({ platform, workspaceId, week }, 'no digest channel configured; digest skipped');
      return { status: 'no-channel', week };
    }
    const id = `${platform}:${workspaceId}:${week}`;
    const claimed = await claim(id, { platform, workspaceId, week, channelId, claimedBy: String(job.id), claimedAt: deps.now?.() ?? new Date() });
    if (claimed !== 'claimed') {
      log.info({ platform, workspaceId, week, jobId: job.id, status: claimed }, 'digest not posted again');
      return { status: claimed, week };
    }
    try {
      const digest = await buildDigest({ platform, workspaceId }, { week, timeZone, now: deps.now?.() ?? new Date() });
      await adapter.postDigest(workspaceId, channelId, digest);
    } catch (err) {
      await withDocLock('digests', id, () => digests().updateOne({ _id: id, state: 'posting' }, { $set: { state: 'failed', error: (err as Error).message } }));
      log.warn({ platform, workspaceId, week, jobId: job.id, err: (err as Error).message }, 'digest failed; the job retries');
      throw err;
    }
    await withDocLock('digests', id, () => digests().updateOne({ _id: id }, { $set: { state: 'posted', postedAt: new Date() } }));
    log.info({ platform, workspaceId, week, channelId, jobId: job.id }, 'digest posted');
    return { status: 'posted', week, channelId };
  };
}

/** Schedules (or updates) one repeatable digest job per known workspace of a configured platform. */
export async function scheduleDigests(queue: Queue<DigestJobData>, deps: DigestDeps): Promise<number> {
  const platforms = new Set(deps.adapters.map((a) => a.platform));
  const all = await Workspace.find({}, { platform: 1, externalId: 1, timeZone: 1 }).lean();
  let n = 0;
  for (const ws of all) {
    if (!platforms.has(ws.platform)) continue;
    const tz = ws.timeZone ?? deps.config.timeZone;
    await queue.upsertJobScheduler(
      `digest-${ws.platform}-${ws.externalId}`,
      { pattern: deps.config.digestCron, tz },
      { name: 'digest', data: { platform: ws.platform, workspaceId: ws.externalId }, opts: { attempts: 5, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: { count: 1000 }, removeOnFail: { age: 14 * 24 * 3600 } } },
    );
    n++;
  }
  return n;
}

/**
 * What the hourly `schedule-digests` job carries: the digest settings of the bot started last, so a bot still
 * running with older settings re-schedules with the current ones, never its own.
 */
export interface DigestScheduleSettings {
  digestCron: string;
  timeZone: string;
}

/** The deps with the settings a `schedule-digests` job carries (absent or malformed: the deps' own). */
export function withScheduleSettings(deps: DigestDeps, data: unknown): DigestDeps {
  const d = (data ?? {}) as Partial<DigestScheduleSettings>;
  if (typeof d.digestCron !== 'string' || typeof d.timeZone !== 'string') return deps;
  return { ...deps, config: { ...deps.config, digestCron: d.digestCron, timeZone: d.timeZone } };
}

export interface DigestWorkerHandle {
  queue: Queue<DigestJobData>;
  worker: Worker<DigestJobData>;
  close(): Promise<void>;
}

/** Starts the digest queue's worker and keeps every workspace's schedule (called by the bot process). */
export async function startDigestWorker(deps: DigestDeps & { redisUrl: string; prefix: string; schedule?: boolean }): Promise<DigestWorkerHandle> {
  const producer: Redis = watchRedisConnection(producerConnection(deps.redisUrl), deps.redisUrl, deps.log);
  const consumer: Redis = watchRedisConnection(workerConnection(deps.redisUrl), deps.redisUrl, deps.log);
  const queue = new Queue<DigestJobData>(DIGEST_QUEUE, { connection: producer, prefix: deps.prefix });
  queue.on('error', queueErrorListener(deps.redisUrl, deps.log, { queue: DIGEST_QUEUE }));
  const process = createDigestProcessor(deps);
  const worker = new Worker<DigestJobData, DigestJobOutcome | number>(
    DIGEST_QUEUE,
    async (job) => (job.name === 'schedule-digests' ? scheduleDigests(queue, withScheduleSettings(deps, job.data)) : process(job)),
    { connection: consumer, prefix: deps.prefix, concurrency: 2 },
  );
  worker.on('error', queueErrorListener(deps.redisUrl, deps.log, { queue: DIGEST_QUEUE }, 'error'));
  worker.on('failed', (job, err) => {
    if (!reportOutage(err)) deps.log.warn({ queue: DIGEST_QUEUE, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
  });
  if (deps.schedule !== false) {
    try {
      await scheduleDigests(queue, deps);
      // The hourly re-scheduling carries this start's settings (see DigestScheduleSettings).
      const settings: DigestScheduleSettings = { digestCron: deps.config.digestCron, timeZone: deps.config.timeZone };
      await queue.upsertJobScheduler('schedule-digests', { every: RESCHEDULE_EVERY_MS }, { name: 'schedule-digests', data: settings as unknown as DigestJobData });
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'could not schedule digests; retried at next start');
    }
  }
  return {
    queue,
    worker,
    async close() {
      await closeWorkers([() => worker.close()], [consumer], deps.log);
      await queue.close();
      producer.disconnect();
    },
  };
}
