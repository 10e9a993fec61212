// Rolling day windows for customer summaries (pure). Days are UTC calendar days, keyed `d_YYYYMMDD`:
// "last 30 days" is today and the 29 days before it; "the 90 before" are the 90 days before those.
import { DAY_MS, dayKey, startOfUtcDay } from '../time/day.js';

export { DAY_MS, dayKey, startOfUtcDay };
export const RECENT_DAYS = 30;
export const PREVIOUS_DAYS = 90;
/** Day buckets older than this are no longer read (and may be trimmed). */
export const KEPT_DAYS = RECENT_DAYS + PREVIOUS_DAYS;

/** Start (inclusive) of the last-30-days window and of the 90 days before it, as epoch ms. */
export function windowStarts(now: Date): { recent: number; previous: number } {
  const today = startOfUtcDay(now);
  return { recent: today - (RECENT_DAYS - 1) * DAY_MS, previous: today - (KEPT_DAYS - 1) * DAY_MS };
}

/** Which window a day key falls in, for `now`: 'recent', 'previous' or null (outside both, or in the future). */
export function windowOf(key: string, now: Date): 'recent' | 'previous' | null {
  const m = /^d_(\d{4})(\d{2})(\d{2})$/.exec(key);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const { recent, previous } = windowStarts(now);
  if (t > startOfUtcDay(now)) return null;
  if (t >= recent) return 'recent';
  if (t >= previous) return 'previous';
  return null;
}
