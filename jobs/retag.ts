// The `retag` job: after a model change, re-tags the history that an older model tagged.
//
// It reuses the exactly-once tagging machinery instead of writing tags itself: for each message whose
// `tags.model` differs from the running model it bumps `rev` and sets `needsTagging` (under the message's
// document lock, only if nothing changed meanwhile), then enqueues that revision's tag job. The tag job
// computes the new contribution and moves every counter by exactly the difference from the counted one; a lost
// job is picked up by the untagged sweep like any other revision.
import { updateOneById } from '../src/db/by-id.js';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Message } from '../src/db/models.js';
import { withDocLock } from '../src/db/doc-lock.js';
import type { Logger } from '../src/logger.js';
import type { TagEnqueuer } from '../src/capture/capture.js';
import { queueErrorListener } from '../src/queue.js';
import { reportOutage } from '../src/reachability.js';

export const RETAG_QUEUE = 'retag';

export interface RetagJobData {
  /** The model version history is brought to (the worker only runs jobs for its own model). */
  model: string;
}

export interface RetagResult {
  model: string;
  found: number;
  enqueued: number;
  skipped: number;
}

/** Marks every message tagged by another model for re-tagging and enqueues its tag job. */
export async function retagStale(
  queue: TagEnqueuer,
  model: string,
  log: Logger,
  opts: { batch?: number; limit?: number } = {},
): Promise<RetagResult> {
  const batchSize = opts.batch ?? 500;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let found = 0;
  let enqueued = 0;
  let skipped = 0;
  let lastId: string | null = null;
  for (;;) {
    const filter: Record<string, unknown> = { needsTagging: false, deletedAt: null, tags: { $ne: null }, 'tags.model': { $ne: model } };
    if (lastId !== null) filter._id = { $gt: lastId };
    const batch = await Message.find(filter, { _id: 1, rev: 1 }).sort({ _id: 1 }).limit(batchSize).lean();
    if (batch.length === 0) break;
    for (const m of batch) {
      found++;
      const bumped = await withDocLock('messages', m._id, async () => {
        const res = await updateOneById(
          Message.collection as never,
          { _id: m._id, rev: m.rev, needsTagging: false, 'tags.model': { $ne: model } },
          { $inc: { rev: 1 }, $set: { needsTagging: true } },
        );
        return res.modifiedCount === 1;
      });
      if (!bumped) {
        skipped++; // edited, deleted or re-tagged meanwhile: its own job handles it
        continue;
      }
      try {
        await queue.enqueueTag(m._id, m.rev + 1);
        enqueued++;
      } catch (err) {
        log.warn({ messageKey: m._id, err: (err as Error).message }, 'retag: tag job not enqueued; the untagged sweep will retry');
      }
    }
    lastId = batch[batch.length - 1]!._id;
    if (found >= limit) break;
  }
  log.info({ model, found, enqueued, skipped }, 'retag: history marked for re-tagging');
  return { model, found, enqueued, skipped };
}

/** The processor: a plain typed function the Worker wraps. Jobs for another model version are ignored. */
export function createRetagProcessor(queue: TagEnqueuer, model: string, log: Logger): (job: Pick<Job<RetagJobData>, 'data'>) => Promise<RetagResult | null> {
  return async (job) => {
    if (job.data.model !== model) {
      log.warn({ wanted: job.data.model, running: model }, 'retag job for another model version; skipped');
      return null;
    }
    return retagStale(queue, model, log);
  };
}

/** The job id that makes "re-tag history for this model" happen once per model version. */
export function retagJobId(model: string): string {
  return `retag-${model.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export interface RetagWorkerOptions {
  connection: () => Redis;
  /** For the outage report of the queue's and worker's errors. */
  redisUrl: string;
  prefix: string;
  queue: TagEnqueuer;
  model: string;
  log: Logger;
  /** Enqueue the retag of history for this model at start (once per model version). */
  enqueueOnStart?: boolean;
}

export interface RetagHandle {
  worker: Worker<RetagJobData>;
  queue: Queue<RetagJobData>;
  /** Enqueues the retag for the running model (idempotent per model version while the job is kept). */
  enqueue(): Promise<void>;
  close(): Promise<void>;
}

export async function startRetagWorker(opts: RetagWorkerOptions): Promise<RetagHandle> {
  const queue = new Queue<RetagJobData>(RETAG_QUEUE, {
    connection: opts.connection(),
    prefix: opts.prefix,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: { age: 30 * 24 * 3600 }, removeOnFail: { age: 14 * 24 * 3600 } },
  });
  queue.on('error', queueErrorListener(opts.redisUrl, opts.log, { queue: RETAG_QUEUE }));
  const worker = new Worker<RetagJobData>(RETAG_QUEUE, createRetagProcessor(opts.queue, opts.model, opts.log), {
    connection: opts.connection(),
    prefix: opts.prefix,
    concurrency: 1,
  });
  worker.on('error', queueErrorListener(opts.redisUrl, opts.log, { queue: RETAG_QUEUE }, 'error'));
  worker.on('failed', (job, err) => {
    if (!reportOutage(err)) opts.log.warn({ queue: RETAG_QUEUE, jobId: job?.id, err: err.message }, 'job failed');
  });
  const handle: RetagHandle = {
    worker,
    queue,
    async enqueue() {
      await queue.add('retag', { model: opts.model }, { jobId: retagJobId(opts.model) });
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
  if (opts.enqueueOnStart) {
    try {
      await handle.enqueue();
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'could not enqueue the retag of history; it is tried again at next start');
    }
  }
  return handle;
}
