// The `maintenance` processor: periodic jobs that keep the data whole.
import type { Job } from 'bullmq';
import { sweepUntagged, type SweepResult } from '../src/counters/sweep.js';
import type { Logger } from '../src/logger.js';
import type { Queues } from '../src/queue.js';

export const SWEEP_EVERY_MS = 5 * 60_000;

export function createMaintenanceProcessor(queues: Queues, log: Logger): (job: Pick<Job, 'name'>) => Promise<SweepResult | null> {
  return async (job) => {
    if (job.name === 'sweep-untagged') return sweepUntagged(queues, log);
    log.warn({ job: job.name }, 'unknown maintenance job');
    return null;
  };
}
