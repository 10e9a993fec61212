// The sentiment average does not depend on the order the scores were added in (fast counters vs naive scan).
import { describe, expect, it } from 'vitest';
import { average } from '../../src/history/assemble.js';

describe('average', () => {
  it('gives the same rounded value for sums that differ only in the last bits', () => {
    // The same 16 scores summed per message, and per day then across days: -2.0549999999999997 and -2.055.
    const scores = [-0.604, -0.052, 0.777, 0.339, -0.152, -0.524, -0.06, 0.143, 0.263, -0.436, -0.074, -0.752, -0.298, 0.235, -0.537, -0.323];
    const perMessage = scores.reduce((s, x) => s + x, 0);
    expect(perMessage).toBe(-2.0549999999999997);
    expect(average(perMessage, 16)).toBe(-0.128438);
    expect(average(-2.055, 16)).toBe(-0.128438);
    expect(average(0, 0)).toBeNull();
    expect(average(1, 3)).toBe(0.333333);
  });
});
