// ISO weeks in a time zone, computed from the wall-clock date there (pure; no library needed). Week bounds:
// Monday 00:00 local to the next Monday 00:00 local, as instants; a week that contains a daylight-saving change
// is 167 or 169 hours long.

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

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant of local midnight starting a calendar date in the zone. */
export function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  let t = wall - zoneOffsetMs(new Date(wall), timeZone);
  // Once more with the offset in force at the first guess (the guess may sit across a change).
  t = wall - zoneOffsetMs(new Date(t), timeZone);
  return new Date(t);
}

const WEEK = /^(\d{4})-W(\d{2})$/;

export function parseWeek(week: string): { year: number; week: number } {
  const m = WEEK.exec(week);
  if (!m) throw new RangeError(`week must look like 2026-W48 (got "${week}")`);
  const year = Number(m[1]);
  const w = Number(m[2]);
  if (w < 1 || w > weeksInYear(year)) throw new RangeError(`${week}: ${year} has no week ${w}`);
  return { year, week: w };
}

function weeksInYear(year: number): number {
  const dec28 = new Date(Date.UTC(year, 11, 28));
  const d = new Date(dec28);
  const dow = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dow);
  const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.ceil(((d.getTime() - jan1) / 86_400_000 + 1) / 7);
}

/** The Monday (UTC calendar date) of an ISO week. */
function mondayOf(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const dow = jan4.getUTCDay() || 7;
  return new Date(Date.UTC(year, 0, 4 - (dow - 1) + (week - 1) * 7));
}

export interface WeekBounds {
  week: string;
  start: Date;
  end: Date;
}

export function weekBounds(week: string, timeZone: string): WeekBounds {
  const { year, week: w } = parseWeek(week);
  const mon = mondayOf(year, w);
  const next = new Date(mon.getTime() + 7 * 86_400_000);
  return {
    week,
    start: localMidnight(mon.getUTCFullYear(), mon.getUTCMonth() + 1, mon.getUTCDate(), timeZone),
    end: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

export function weekOf(instant: Date, timeZone: string): string {
  return isoWeekKey(instant, timeZone);
}

export function previousWeek(week: string): string {
  const { year, week: w } = parseWeek(week);
  const mon = mondayOf(year, w);
  const prev = new Date(mon.getTime() - 7 * 86_400_000);
  return isoWeekKey(new Date(prev.getTime() + 12 * 3600_000), 'UTC');
}

