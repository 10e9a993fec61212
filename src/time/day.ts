// UTC calendar days (pure): the day buckets figures are kept and read by.
export const DAY_MS = 86_400_000;

/** `d_YYYYMMDD` of the UTC day an instant falls on. */
export function dayKey(instant: Date): string {
  const iso = instant.toISOString();
  return `d_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
}

/** Start of the UTC day of an instant, as epoch ms. */
export function startOfUtcDay(instant: Date): number {
  return Math.floor(instant.getTime() / DAY_MS) * DAY_MS;
}
