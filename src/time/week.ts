// ISO weeks in a time zone, computed from the wall-clock date there (pure; no library needed).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar date (year, month 1-12, day) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** ISO 8601 week of a calendar date: `{ year, week }` where the year is the ISO week-numbering year. */
export function isoWeekOfDate(year: number, month: number, day: number): { year: number; week: number } {
  const d = new Date(Date.UTC(year, month - 1, day));
  const dow = d.getUTCDay() || 7; // Monday 1 … Sunday 7
  d.setUTCDate(d.getUTCDate() + 4 - dow); // the Thursday of this week decides its year
  const isoYear = d.getUTCFullYear();
  const jan1 = Date.UTC(isoYear, 0, 1);
  const week = Math.ceil(((d.getTime() - jan1) / 86_400_000 + 1) / 7);
  return { year: isoYear, week };
}

/** `YYYY-Www` of the instant as seen in the time zone. */
export function isoWeekKey(instant: Date, timeZone: string): string {
  const { year, month, day } = localDate(instant, timeZone);
  const w = isoWeekOfDate(year, month, day);
  return `${w.year}-W${String(w.week).padStart(2, '0')}`;
}
