// Finds messages whose current revision was never counted (their tag job was lost, e.g. Redis was down)
// and enqueues them again. Job ids keep each revision single.
import { Message } from '../db/models.js';
import type { Logger } from '../logger.js';
import type { TagEnqueuer } from '../capture/capture.js';

export interface SweepResult {
  found: number;
  enqueued: number;
  /** Jobs that had failed every attempt and were retried. */
  retried?: number;
}

/** A queue that can also retry a failed job of the same id (src/queue.ts Queues). */
type Requeuer = TagEnqueuer & { requeueTag?(messageKey: string, rev: number): Promise<'added' | 'retried' | 'exists'> };

/** `olderThanMs` leaves alone messages captured moments ago, whose job is most likely on its way. */
export async function sweepUntagged(queue: Requeuer, log: Logger, opts: { olderThanMs?: number; limit?: number; now?: Date } = {}): Promise<SweepResult> {
  const now = opts.now ?? new Date();
  const before = new Date(now.getTime() - (opts.olderThanMs ?? 60_000));
  const limit = opts.limit ?? 10_000;
  let found = 0;
  let enqueued = 0;
  let retried = 0;
  let lastId: string | null = null;
  for (;;) {
    const filter: Record<string, unknown> = { needsTagging: true, capturedAt: { $lte: before } };
    if (lastId !== null) filter._id = { $gt: lastId };
    const batch = await Message.find(filter, { _id: 1, rev: 1 }).sort({ _id: 1 }).limit(500).lean();
    if (batch.length === 0) break;
    for (const m of batch) {
      found++;
      if (queue.requeueTag) {
        if ((await queue.requeueTag(m._id, m.rev)) === 'retried') retried++;
      } else await queue.enqueueTag(m._id, m.rev);
      enqueued++;
    }
    lastId = batch[batch.length - 1]!._id;
    if (found >= limit) break;
  }
  if (found > 0) log.info({ found, enqueued, retried }, 'swept untagged messages');
  return { found, enqueued, retried };
}
