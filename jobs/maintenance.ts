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

/**
 * What a scheduled maintenance job carries: the setting it runs with, written into its job scheduler from the
 * configuration of the worker that started last (jobs/worker.ts `syncMaintenanceSchedules`).
 */
export interface MaintenanceJobData {
  resolveAfterDays?: number;
  retentionDays?: number;
}

function wholeDays(v: unknown, min: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : undefined;
}

/**
 * The processor. A job's own settings (its scheduler's data) win over `opts`, this process's configuration, so
 * every worker runs the schedule with the settings of the worker started last, whatever its own.
 */
export function createMaintenanceProcessor(
  queues: Queues,
  log: Logger,
  opts: { resolveAfterDays?: number; retentionDays?: number } = {},
): (job: Pick<Job<MaintenanceJobData>, 'name'> & { data?: MaintenanceJobData }) => Promise<SweepResult | { resolved: number } | RetentionResult | null> {
  return async (job) => {
    const resolveAfterDays = wholeDays(job.data?.resolveAfterDays, 1) ?? opts.resolveAfterDays ?? 7;
    const retentionDays = wholeDays(job.data?.retentionDays, 0) ?? opts.retentionDays ?? 0;
    if (job.name === 'sweep-untagged') {
      const swept = await sweepUntagged(queues, log);
      // Surveys of conversations resolved while Redis was down are enqueued by the same sweep.
      await queues.retryDeferredSurveys().catch((err: Error) => log.warn({ err: err.message }, 'deferred surveys not retried'));
      return swept;
    }
    if (job.name === 'resolve-quiet') return resolveQuietConversations({ days: resolveAfterDays, log, survey: queues });
    if (job.name === 'retention') return retentionDays ? applyRetention({ days: retentionDays, log }) : null;
    log.warn({ job: job.name }, 'unknown maintenance job');
    return null;
  };
}
