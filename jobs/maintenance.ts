// The `maintenance` processor: periodic jobs that keep the data whole.
import type { Job } from 'bullmq';
import { sweepUntagged, type SweepResult } from '../src/counters/sweep.js';
import type { Logger } from '../src/logger.js';
import type { Queues } from '../src/queue.js';
import { resolveQuietConversations } from '../src/history/index.js';

export const SWEEP_EVERY_MS = 5 * 60_000;
/** How often conversations quiet for the configured days are resolved. */
export const RESOLVE_QUIET_EVERY_MS = 60 * 60_000;

export function createMaintenanceProcessor(
  queues: Queues,
  log: Logger,
  opts: { resolveAfterDays?: number } = {},
): (job: Pick<Job, 'name'>) => Promise<SweepResult | { resolved: number } | null> {
  return async (job) => {
    if (job.name === 'sweep-untagged') return sweepUntagged(queues, log);
    if (job.name === 'resolve-quiet') return resolveQuietConversations({ days: opts.resolveAfterDays ?? 7, log });
    log.warn({ job: job.name }, 'unknown maintenance job');
    return null;
  };
}
