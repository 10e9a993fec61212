// The worker's progress line (issue 18 item 7): written while tag jobs complete, with the number tagged, the
// backlog and the rate; one line when the backlog is gone; nothing while idle.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startTagProgress } from '../../jobs/progress.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('tag progress line', () => {
  it('reports each interval jobs completed in, says once when the backlog is gone, and is quiet while idle', async () => {
    const worker = new EventEmitter();
    let backlog = 900;
    let clock = 0;
    const { log, lines } = capture();
    const p = startTagProgress({ worker, backlog: async () => backlog }, log, { everyMs: 3_600_000, now: () => clock });
    try {
      await p.tick();
      expect(lines).toEqual([]); // idle from the start: nothing

      for (let i = 0; i < 100; i++) worker.emit('completed', {}, i < 98 ? 'tagged' : 'already-counted');
      clock += 5_000;
      await p.tick();
      clock += 5_000;
      await p.tick(); // no job completed in this interval: quiet, even with a backlog
      for (let i = 0; i < 60; i++) worker.emit('completed', {}, 'tagged');
      clock += 5_000;
      backlog = 0;
      await p.tick();
      clock += 5_000;
      await p.tick(); // idle again
      await new Promise((r) => setImmediate(r));

      expect(lines.map(({ msg, tagged, jobs, waiting, perSecond, total }) => ({ msg, tagged, jobs, waiting, perSecond, total }))).toEqual([
        { msg: 'tagging: 98 tagged in 5 s (19.6/s), 900 waiting, 98 since the backlog began', tagged: 98, jobs: 100, waiting: 900, perSecond: 19.6, total: 98 },
        { msg: 'tagging caught up: 158 messages tagged, nothing waiting', tagged: 60, jobs: 60, waiting: 0, perSecond: 12, total: 158 },
      ]);
    } finally {
      p.stop();
    }
    expect(worker.listenerCount('completed')).toBe(0);
  });
});
