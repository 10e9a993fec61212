// Worker setup: BullMQ workers for every queue, with error listeners, retries and a clean shutdown.
import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_CONVERSATION_WINDOW_MINUTES, type Config } from '../src/config.js';
import { MessageTagger } from '../src/counters/tag-message.js';
import { Placement } from '../src/capture/place.js';
import { historyProjector } from '../src/history/index.js';
import type { Logger } from '../src/logger.js';
import type { Tagger } from '../src/nlp/types.js';
import { closeWorkers, QUEUE, queueErrorListener, watchRedisConnection, workerConnection, type MaintenanceJobName, type Queues, type TagChunkJobData, type TagJobData } from '../src/queue.js';
import { reportOutage } from '../src/reachability.js';
import { RootNotStoredYetError } from '../src/errors.js';
import { createMaintenanceProcessor, RESOLVE_QUIET_EVERY_MS, RETENTION_EVERY_MS, SWEEP_EVERY_MS, type MaintenanceJobData } from './maintenance.js';
import { createTagChunkProcessor, createTagProcessor } from './tag.js';
import { startRetagWorker, type RetagHandle } from './retag.js';
import { startTagProgress } from './progress.js';

export interface WorkerHandle {
  workers: Worker[];
  /** The `retag` queue and worker: re-tags history tagged by another model version. */
  retag: RetagHandle;
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'tagConcurrency' | 'timeZone'> & Partial<Pick<Config, 'resolveAfterDays' | 'retentionDays' | 'conversationWindowMinutes'>>;
  log: Logger;
  queues: Queues;
  tagger: Tagger;
  /** Registers the periodic sweep (off in tests that drive it themselves). */
  schedule?: boolean;
}

export async function startWorkers(opts: StartWorkersOptions): Promise<WorkerHandle> {
  const { config, log, queues } = opts;
  const connections: Redis[] = [];
  const connection = (): Redis => {
    const c = watchRedisConnection(workerConnection(config.redisUrl), config.redisUrl, log);
    connections.push(c);
    return c;
  };
  // Listeners go on as each worker is made: an 'error' emitted with none would be thrown (and printed as a
  // stack trace) while the next await runs, e.g. when Redis is down.
  const listen = <T extends Worker>(w: T): T => {
    w.on('error', queueErrorListener(config.redisUrl, log, { queue: w.name }, 'error'));
    w.on('failed', (job, err) => {
      // While MongoDB or Redis is away every job fails the same way: said once (src/reachability.ts), retried.
      // A thread reply waiting for its root (src/capture/place.ts) is retried by design.
      if (reportOutage(err) || err instanceof RootNotStoredYetError) log.debug({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
      else log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
    });
    return w;
  };
  const placement = new Placement({ log: log.child({ component: 'place' }), conversationWindowMinutes: config.conversationWindowMinutes ?? DEFAULT_CONVERSATION_WINDOW_MINUTES });
  const messageTagger = new MessageTagger({
    place: (key) => placement.place(key),
    tagger: opts.tagger,
    log: log.child({ component: 'tag' }),
    defaultTimeZone: config.timeZone,
    afterCount: historyProjector(log.child({ component: 'history' })),
  });
  const tagWorker = listen(new Worker<TagJobData>(QUEUE.tag, createTagProcessor(messageTagger), {
    connection: connection(),
    prefix: config.queuePrefix,
    concurrency: config.tagConcurrency,
  }));
  // The bulk importer's chunk jobs, expanded into the tag jobs above (cheap: one addBulk each).
  const tagChunkWorker = listen(new Worker<TagChunkJobData>(QUEUE.tagChunk, createTagChunkProcessor(queues), {
    connection: connection(),
    prefix: config.queuePrefix,
    concurrency: 1,
  }));
  const maintenanceWorker = listen(new Worker<MaintenanceJobData>(QUEUE.maintenance, createMaintenanceProcessor(queues, log.child({ component: 'maintenance' }), { resolveAfterDays: config.resolveAfterDays ?? 7, retentionDays: config.retentionDays ?? 0 }), {
    connection: connection(),
    prefix: config.queuePrefix,
    concurrency: 1,
  }));
  // At start (when scheduling), history tagged by another model is re-tagged, once per model version.
  const retag = await startRetagWorker({ connection, redisUrl: config.redisUrl, prefix: config.queuePrefix, queue: queues, model: opts.tagger.modelVersion, log: log.child({ component: 'retag' }), enqueueOnStart: opts.schedule !== false });
  const workers: Worker[] = [tagWorker, tagChunkWorker, maintenanceWorker];
  // A progress line every few seconds while tag jobs complete, one when the backlog is gone, none while idle.
  const progress = startTagProgress({ worker: tagWorker as never, backlog: async () => Object.values(await queues.tag.getJobCounts('waiting', 'prioritized', 'delayed', 'active')).reduce((a, b) => a + b, 0) }, log.child({ component: 'progress' }));
  if (opts.schedule !== false) {
    try {
      await syncMaintenanceSchedules(queues.maintenance, maintenanceSchedules(config), log);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not schedule the maintenance jobs (untagged sweep, resolve, retention); they are scheduled at next start');
    }
  }
  if (opts.schedule !== false) {
    // Once at every start too: conversations that went quiet while no worker ran, or in a database new under this
    // queue prefix (the quick start run again), are resolved now, not at the schedule's next run up to an hour
    // away. No fixed job id: one left waiting or stalled by the last process would swallow this one (a resolve
    // with nothing to do is cheap, so workers starting at once may each run one).
    await queues.maintenance
      .add('resolve-quiet', { resolveAfterDays: config.resolveAfterDays ?? 7 }, { removeOnComplete: true, removeOnFail: true })
      .catch((err: Error) => log.warn({ err: err.message }, 'could not run the resolve of quiet conversations at start; the schedule runs it'));
  }
  log.info({ concurrency: config.tagConcurrency, model: opts.tagger.modelVersion }, 'worker started');
  return {
    workers,
    retag,
    async close() {
      progress.stop();
      // Stop taking jobs and let running ones finish (bounded: see closeWorkers).
      await closeWorkers([...workers.map((w) => () => w.close()), () => retag.close()], connections, log);
    },
  };
}

/** One periodic maintenance job as this process's configuration wants it. */
export interface MaintenanceSchedule {
  name: MaintenanceJobName;
  every: number;
  data: MaintenanceJobData;
}

/** The maintenance schedules of a configuration; retention only when RETENTION_DAYS is set. */
export function maintenanceSchedules(config: Partial<Pick<Config, 'resolveAfterDays' | 'retentionDays'>>): MaintenanceSchedule[] {
  const out: MaintenanceSchedule[] = [
    { name: 'sweep-untagged', every: SWEEP_EVERY_MS, data: {} },
    { name: 'resolve-quiet', every: RESOLVE_QUIET_EVERY_MS, data: { resolveAfterDays: config.resolveAfterDays ?? 7 } },
  ];
  if (config.retentionDays) out.push({ name: 'retention', every: RETENTION_EVERY_MS, data: { retentionDays: config.retentionDays } });
  return out;
}

const ALL_MAINTENANCE: MaintenanceJobName[] = ['sweep-untagged', 'resolve-quiet', 'retention'];

/**
 * Brings the job schedulers of the maintenance queue to these schedules, at every start. A scheduler whose
 * interval and settings are unchanged keeps its next run; one whose settings changed (or a new one) is made
 * afresh, so its next run is now and carries the new settings (BullMQ would otherwise keep the time of the
 * next run registered under the same queue prefix, up to an hour away); one no longer wanted is removed.
 */
export async function syncMaintenanceSchedules(queue: Queue, schedules: MaintenanceSchedule[], log: Logger): Promise<Array<{ name: MaintenanceJobName; change: 'kept' | 'renewed' | 'created' | 'removed' }>> {
  const changes: Array<{ name: MaintenanceJobName; change: 'kept' | 'renewed' | 'created' | 'removed' }> = [];
  for (const s of schedules) {
    const current = await queue.getJobScheduler(s.name);
    const same = current !== undefined && current.every === s.every && sameData(current.template?.data, s.data);
    if (current && !same) await queue.removeJobScheduler(s.name);
    await queue.upsertJobScheduler(s.name, { every: s.every }, { name: s.name, data: s.data });
    changes.push({ name: s.name, change: same ? 'kept' : current ? 'renewed' : 'created' });
  }
  for (const name of ALL_MAINTENANCE) {
    if (schedules.some((s) => s.name === name)) continue;
    if (await queue.removeJobScheduler(name)) changes.push({ name, change: 'removed' });
  }
  const changed = changes.filter((c) => c.change !== 'kept');
  if (changed.length > 0) log.info({ schedules: changed, settings: Object.assign({}, ...schedules.map((s) => s.data)) }, 'maintenance schedules follow this configuration');
  return changes;
}

function sameData(a: unknown, b: MaintenanceJobData): boolean {
  const norm = (v: unknown): string => JSON.stringify(Object.entries((v ?? {}) as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)));
  return norm(a) === norm(b);
}
