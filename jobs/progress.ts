// The worker's progress line while a backlog of tag jobs drains (after an import, a retag, an outage): every few
// seconds in which jobs completed, how many were tagged, how many wait, and the rate; one line when the backlog
// is gone; nothing while idle.
import type { Logger } from '../src/logger.js';

/** How often the progress line is written while tag jobs complete. */
export const PROGRESS_EVERY_MS = 5_000;

/** What the progress line needs of a BullMQ Worker and Queue (plain objects in tests). */
export interface ProgressSources {
  worker: { on(event: 'completed', listener: (job: unknown, result: unknown) => void): unknown; off(event: 'completed', listener: (job: unknown, result: unknown) => void): unknown };
  /** Jobs still to run: waiting, prioritized, delayed and active tag jobs. */
  backlog(): Promise<number>;
}

export interface ProgressHandle {
  /** Writes the line now if jobs completed since the last one (the timer calls this). */
  tick(): Promise<void>;
  stop(): void;
}

export function startTagProgress(src: ProgressSources, log: Logger, opts: { everyMs?: number; now?: () => number } = {}): ProgressHandle {
  const now = opts.now ?? Date.now;
  let tagged = 0; // this interval: messages whose tags were written
  let done = 0; // this interval: jobs completed (tagged, already counted, or message gone)
  let drainTotal = 0; // tagged since the backlog started
  let last = now();
  const onCompleted = (_job: unknown, result: unknown): void => {
    done++;
    if (result === 'tagged') tagged++;
  };
  src.worker.on('completed', onCompleted);
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const t = now();
      const seconds = Math.max((t - last) / 1000, 0.001);
      if (done === 0) {
        last = t;
        return; // quiet while idle
      }
      const n = tagged;
      const jobs = done;
      tagged = 0;
      done = 0;
      last = t;
      drainTotal += n;
      let waiting: number | null = null;
      try {
        waiting = await src.backlog();
      } catch {
        // Redis unavailable this moment: the line goes without the figure.
      }
      const rate = Math.round((n / seconds) * 10) / 10;
      if (waiting === 0) {
        log.info({ tagged: n, jobs, waiting, perSecond: rate, total: drainTotal }, `tagging caught up: ${drainTotal} messages tagged, nothing waiting`);
        drainTotal = 0;
        return;
      }
      log.info(
        { tagged: n, jobs, waiting, perSecond: rate, total: drainTotal },
        `tagging: ${n} tagged in ${Math.round(seconds)} s (${rate}/s), ${waiting ?? 'unknown'} waiting, ${drainTotal} since the backlog began`,
      );
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.everyMs ?? PROGRESS_EVERY_MS);
  timer.unref();
  return {
    tick,
    stop() {
      clearInterval(timer);
      src.worker.off('completed', onCompleted);
    },
  };
}
