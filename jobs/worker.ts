// Worker setup: BullMQ workers for every queue, with error listeners, retries and a clean shutdown.
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { MessageTagger } from '../src/counters/tag-message.js';
import { historyProjector } from '../src/history/index.js';
import type { Logger } from '../src/logger.js';
import type { Tagger } from '../src/nlp/types.js';
import { QUEUE, workerConnection, type Queues, type TagChunkJobData, type TagJobData } from '../src/queue.js';
import { createMaintenanceProcessor, RESOLVE_QUIET_EVERY_MS, RETENTION_EVERY_MS, SWEEP_EVERY_MS } from './maintenance.js';
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
  config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'tagConcurrency' | 'timeZone'> & Partial<Pick<Config, 'resolveAfterDays' | 'retentionDays'>>;
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
    const c = workerConnection(config.redisUrl);
    c.on('error', (err) => log.warn({ err: err.message }, 'redis (worker) error'));
    connections.push(c);
    return c;
  };
  const messageTagger = new MessageTagger({
    tagger: opts.tagger,
    log: log.child({ component: 'tag' }),
    defaultTimeZone: config.timeZone,
    afterCount: historyProjector(log.child({ component: 'history' })),
  });
  const tagWorker = new Worker<TagJobData>(QUEUE.tag, createTagProcessor(messageTagger), {
    connection: connection(),
    prefix: config.queuePrefix,
    concurrency: config.tagConcurrency,
  });
  // The bulk importer's chunk jobs, expanded into the tag jobs above (cheap: one addBulk each).
  const tagChunkWorker = new Worker<TagChunkJobData>(QUEUE.tagChunk, createTagChunkProcessor(queues), {
    connection: connection(),
    prefix: config.queuePrefix,
    concurrency: 1,
  });
  const maintenanceWorker = new Worker(QUEUE.maintenance, createMaintenanceProcessor(queues, log.child({ component: 'maintenance' }), { resolveAfterDays: config.resolveAfterDays ?? 7, retentionDays: config.retentionDays ?? 0 }), {
    connection: connection(),
    prefix: config.queuePrefix,
    concurrency: 1,
  });
  // At start (when scheduling), history tagged by another model is re-tagged, once per model version.
  const retag = await startRetagWorker({ connection, prefix: config.queuePrefix, queue: queues, model: opts.tagger.modelVersion, log: log.child({ component: 'retag' }), enqueueOnStart: opts.schedule !== false });
  const workers = [tagWorker, tagChunkWorker, maintenanceWorker];
  // A progress line every few seconds while tag jobs complete, one when the backlog is gone, none while idle.
  const progress = startTagProgress({ worker: tagWorker as never, backlog: async () => Object.values(await queues.tag.getJobCounts('waiting', 'prioritized', 'delayed', 'active')).reduce((a, b) => a + b, 0) }, log.child({ component: 'progress' }));
  for (const w of workers) {
    w.on('error', (err) => log.error({ err: err.message, queue: w.name }, 'worker error'));
    w.on('failed', (job, err) =>
      log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
    );
  }
  if (opts.schedule !== false) {
    try {
      await queues.maintenance.upsertJobScheduler('sweep-untagged', { every: SWEEP_EVERY_MS }, { name: 'sweep-untagged' });
      await queues.maintenance.upsertJobScheduler('resolve-quiet', { every: RESOLVE_QUIET_EVERY_MS }, { name: 'resolve-quiet' });
      if (config.retentionDays) await queues.maintenance.upsertJobScheduler('retention', { every: RETENTION_EVERY_MS }, { name: 'retention' });
      else await queues.maintenance.removeJobScheduler('retention');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not schedule the untagged sweep; it runs at next start');
    }
  }
  if (opts.schedule !== false) {
    // Once at every start too: conversations that went quiet while no worker ran, or in a database new under this
    // queue prefix (the quick start run again), are resolved now, not at the schedule's next run up to an hour
    // away. The job id keeps it single when several workers start at once.
    await queues.maintenance
      .add('resolve-quiet', { resolveAfterDays: config.resolveAfterDays ?? 7 }, { jobId: 'resolve-quiet-at-start', removeOnComplete: true, removeOnFail: true })
      .catch((err: Error) => log.warn({ err: err.message }, 'could not run the resolve of quiet conversations at start; the schedule runs it'));
  }
  log.info({ concurrency: config.tagConcurrency, model: opts.tagger.modelVersion }, 'worker started');
  return {
    workers,
    retag,
    async close() {
      progress.stop();
      // Stop taking jobs and let running ones finish.
      await Promise.allSettled([...workers.map((w) => w.close()), retag.close()]);
      for (const c of connections) c.disconnect();
    },
  };
}
