// The capture gate: at most N captures at once, the rest in arrival order, refusal past the queue limit.
import { describe, expect, it } from 'vitest';
import { CaptureGate } from '../../src/capture/gate.js';
import { CaptureBusyError } from '../../src/errors.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CaptureGate', () => {
  it('runs at most maxInFlight at once and the rest in arrival order, a failure freeing its slot', async () => {
    const gate = new CaptureGate(2, 10);
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => deferred());
    const runs = gates.map((g, i) =>
      gate.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(gate.depth).toEqual({ running: 2, waiting: 3 });
    gates[1]!.reject(new Error('storage down'));
    await expect(runs[1]).rejects.toThrow('storage down');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3]!.resolve();
    gates[4]!.resolve();
    expect(await Promise.all([runs[0], runs[2], runs[3], runs[4]])).toEqual([0, 2, 3, 4]);
    expect(gate.depth).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses past the queue limit without running the capture, and takes captures again once there is room', async () => {
    const gate = new CaptureGate(1, 1);
    const hold = deferred();
    const first = gate.run(() => hold.promise);
    const second = gate.run(async () => 'second');
    let ran = false;
    await expect(
      gate.run(async () => {
        ran = true;
      }),
    ).rejects.toThrow(CaptureBusyError);
    expect(ran).toBe(false);
    hold.resolve();
    await first;
    expect(await second).toBe('second');
    expect(await gate.run(async () => 'later')).toBe('later');
  });
});
