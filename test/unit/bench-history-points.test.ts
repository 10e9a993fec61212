// How the benchmark reads bench/history.ts's output when a point outlasts its time budget: the fast figures are
// kept, and so is the naive /history baseline when its samples finished before the naive digest began.
import { describe, expect, it } from 'vitest';
import { fastOnlyRows } from '../../bench/history-points.js';

const FAST = 'fast: /history median 9.8 ms, p95 32 ms (205); digest median 120.4 ms, p95 154.6 ms (20)\n';
const WEEK = "generated 1000000 messages, 290000 conversations, 50000 customers over 35 days (256151 in 2026-W48) in 30.1 s\n";

describe('fastOnlyRows', () => {
  it('marks both baselines as not measured when no naive sample finished', () => {
    const rows = fastOnlyRows(WEEK + FAST, 1_000_000, 'stopped')!;
    expect(rows.map((r) => [r.median, r.p95, r.runs])).toEqual([[9.8, 32, 205], [120.4, 154.6, 20]]);
    expect(rows.every((r) => Number.isNaN(r.baselineMedian) && Number.isNaN(r.ratio))).toBe(true);
    expect(rows[1]!.note).toContain('256151 messages in the week');
    expect(rows[0]!.note).toContain('naive scan not measured: stopped');
  });

  it('keeps the naive /history baseline printed before the naive digest started', () => {
    const rows = fastOnlyRows(WEEK + FAST + 'naive: /history median 4900 ms, p95 5200 ms (1); answers equal\n', 1_000_000, 'stopped')!;
    expect(rows[0]!.baselineMedian).toBe(4900);
    expect(rows[0]!.ratio).toBeCloseTo(9.8 / 4900, 10);
    expect(rows[0]!.note).toContain('over 1 sample(s)');
    expect(Number.isNaN(rows[1]!.baselineMedian)).toBe(true);
  });

  it('gives nothing when the fast figures were not printed yet', () => {
    expect(fastOnlyRows(WEEK, 1_000_000, 'stopped')).toBeNull();
  });
});
