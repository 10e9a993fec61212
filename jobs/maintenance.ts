// The `maintenance` processor: periodic jobs that keep the data whole.
import type { Job } from 'bullmq';
import { sweepUntagged, type SweepResult } from '../src/counters/sweep.js';
import type { Logger } from '../src/logger.js';
import type { Queues } from '../src/queue.js';
import { resolveQuietConversations } from '../src/history/index.js';
import { applyRetention, type RetentionResult } from '../src/retention/retention.js';

export const SWEEP_EVERY_MS = 5 * 60_000;
/** How often conversations quiet for the configured days are resolved. */
export const RESOLVE_QUIET_EVERY_MS = 60 * 60_000;
/** How often the retention job deletes messages older than RETENTION_DAYS. */
export const RETENTION_EVERY_MS = 24 * 60 * 60_000;

export function createMaintenanceProcessor(
  queues: Queues,
  log: Logger,
  opts: { resolveAfterDays?: number; retentionDays?: number } = {},
): (job: Pick<Job, 'name'>) => Promise<SweepResult | { resolved: number } | RetentionResult | null> {
  return async (job) => {
    if (job.name === 'sweep-untagged') {
      const swept = await sweepUntagged(queues, log);
      // Surveys of conversations resolved while Redis was down are enqueued by the same sweep.
      await queues.retryDeferredSurveys().catch((err: Error) => log.warn({ err: err.message }, 'deferred surveys not retried'));
      return swept;
    }
    if (job.name === 'resolve-quiet') return resolveQuietConversations({ days: opts.resolveAfterDays ?? 7, log, survey: queues });
    if (job.name === 'retention') return opts.retentionDays ? applyRetention({ days: opts.retentionDays, log }) : null;
    log.warn({ job: job.name }, 'unknown maintenance job');
    return null;
  };
}
