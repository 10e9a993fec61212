// New vs returning customers when a customer's messages are captured out of time order (a backfill or an
// import brings a message of an earlier week after a later week already counted the customer as new):
// through the real capture → BullMQ → worker pipeline on FerretDB, the fast digest equals the naive scan
// and both match the hand-computed numbers; running the late message's tag job again (two workers at once,
// then a retry) changes nothing.
import { createLogger } from '../src/logger.js';
import { Placement } from '../src/capture/place.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../src/digest/index.js';
import { naiveDigest } from '../src/digest/naive.js';
import { MessageTagger } from '../src/counters/tag-message.js';
import { historyProjector } from '../src/history/index.js';
import { WeeklyRollup } from '../src/db/models.js';
import { forgetCustomer } from '../src/privacy/forget.js';
import { firstId, flipOpId, type FirstDoc } from '../src/history/projection.js';
import { sets } from '../src/history/store.js';
import { fixtureTagger, keyOf, msg, startHistoryPipeline, type HistoryPipeline } from './helpers/history-pipeline.js';

const placement = new Placement({ log: createLogger('silent'), conversationWindowMinutes: 30 });

let p: HistoryPipeline;
beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
});
afterAll(async () => {
  await p?.close();
});

// UTC workspace. 2026-W44: Mon 10-26 to Mon 11-02; W45: 11-02 to 11-09; W46: 11-09 to 11-16.
const S = { platform: 'slack' as const, workspaceId: 'TLATE' };
const NOW = new Date('2026-11-16T09:00:00Z');
const m = (user: string, at: string) => msg({ ws: 'TLATE', user, name: user, text: 'need:billing sent:0', at, channel: `C${user}`, channelName: 'support' });

const customers = async (week: string) => {
  const d = await buildDigest(S, { week, now: NOW });
  expect(await naiveDigest(S, { week, now: NOW })).toEqual(d);
  return d.customers;
};

describe('new vs returning with late (backfilled) messages', () => {
  // X writes in W46 (counted new), then a backfill brings X's message of W45.
  const x2 = m('UX', '2026-11-10T10:00:00Z');
  const x1 = m('UX', '2026-11-03T10:00:00Z');
  // Y only writes in W46: new there.
  const y2 = m('UY', '2026-11-11T10:00:00Z');
  // Z writes in W46, then two backfilled messages (W45 and W44) are counted at the same time: two flips.
  const z2 = m('UZ', '2026-11-12T10:00:00Z');
  const z1 = m('UZ', '2026-11-04T10:00:00Z');
  const z0 = m('UZ', '2026-10-27T10:00:00Z');
  // D writes in W46, then a backfilled W45 message that is deleted afterwards: still D's first contact
  // (a customer who wrote and deleted counts as active; deleting does not move the first contact).
  const d2 = m('UD', '2026-11-13T10:00:00Z');
  const d1 = m('UD', '2026-11-05T10:00:00Z');

  beforeAll(async () => {
    await p.send(x2, y2, z2, d2);
    // Before the backfill: W46 has four new customers.
    expect(await customers('2026-W46')).toEqual({ new: { current: 4, previous: 0 }, returning: { current: 0, previous: 0 } });
    await p.send(x1, z1, z0, d1);
    await p.send({ ...d1, kind: 'delete', text: null, deletedAt: new Date('2026-11-14T10:00:00Z') });
  });

  it('counts the earlier week as new and the later one as returning, exactly, fast = naive', async () => {
    // W46: Y new; X, Z, D returning. W45: X, D new; Z returning.
    expect(await customers('2026-W46')).toEqual({ new: { current: 1, previous: 2 }, returning: { current: 3, previous: 1 } });
    // W45 beside W44: Z new in W44.
    expect(await customers('2026-W45')).toEqual({ new: { current: 2, previous: 1 }, returning: { current: 1, previous: 0 } });
    expect(await customers('2026-W44')).toEqual({ new: { current: 1, previous: 0 }, returning: { current: 0, previous: 0 } });
  });

  it('changes nothing when the late message is counted again (two workers at once, then a retry)', async () => {
    const before = await WeeklyRollup.collection.find({ workspaceId: 'TLATE' }, { projection: { customers: 1, ops: 1 } }).sort({ _id: 1 }).toArray();
    // Every count and every move released its operation id once recorded.
    expect(before.flatMap((r) => (r.ops ?? []) as string[])).toEqual([]);
    const workers = [0, 1].map(() => new MessageTagger({ tagger: fixtureTagger, log: p.env.log, defaultTimeZone: 'UTC', afterCount: historyProjector(p.env.log), place: (k) => placement.place(k) }));
    for (const k of [keyOf(x1), keyOf(z0), keyOf(z1)]) {
      expect(await Promise.all(workers.map((w) => w.tagMessage(k)))).toEqual(['already-counted', 'already-counted']);
      expect(await workers[0]!.tagMessage(k)).toBe('already-counted');
    }
    const after = await WeeklyRollup.collection.find({ workspaceId: 'TLATE' }, { projection: { customers: 1, ops: 1 } }).sort({ _id: 1 }).toArray();
    expect(after).toEqual(before);
    expect(await customers('2026-W46')).toEqual({ new: { current: 1, previous: 2 }, returning: { current: 3, previous: 1 } });
    expect(await customers('2026-W45')).toEqual({ new: { current: 2, previous: 1 }, returning: { current: 1, previous: 0 } });
  });

  it('finishes a move a crashed job left half-done, exactly once, from any job of the customer', async () => {
    const D = 'slack:TLATE:UD';
    const fid = firstId(D);
    const from = '2026-W46';
    const r = 'slack:TLATE:2026-W46';
    const flip = ((await sets(fid).findOne({ _id: fid as never })) as FirstDoc | null)?.fl?.[from];
    expect(flip).toEqual({ to: '2026-W45', r, tz: 'UTC' });
    const op = flipOpId(D, from, '2026-W45');
    const expected = { new: { current: 1, previous: 2 }, returning: { current: 3, previous: 1 } };
    const workers = [0, 1].map(() => new MessageTagger({ tagger: fixtureTagger, log: p.env.log, defaultTimeZone: 'UTC', afterCount: historyProjector(p.env.log), place: (k) => placement.place(k) }));
    const pending = () => sets(fid).updateOne({ _id: fid as never }, { $unset: { [`fl.${from}`]: '' }, $set: { [`mv.${from}`]: flip } });
    // 1. The job died after the rollup took the move (its id is still there), before the move was recorded.
    await pending();
    await WeeklyRollup.collection.updateOne({ _id: r as never }, { $push: { ops: op } } as never);
    expect(await Promise.all(workers.map((w) => w.tagMessage(keyOf(d2))))).toEqual(['already-counted', 'already-counted']);
    expect(await customers('2026-W46')).toEqual(expected);
    // 2. The job died before the rollup took it.
    await pending();
    await WeeklyRollup.collection.updateOne({ _id: r as never }, { $inc: { 'customers.new': 1, 'customers.returning': -1 } });
    expect(await Promise.all(workers.map((w) => w.tagMessage(keyOf(d2))))).toEqual(['already-counted', 'already-counted']);
    expect(await workers[0]!.tagMessage(keyOf(d1))).toBe('already-counted');
    expect(await customers('2026-W46')).toEqual(expected);
    const f = (await sets(fid).findOne({ _id: fid as never })) as FirstDoc | null;
    expect([f?.w, Object.keys(f?.mv ?? {}), f?.fl?.[from]]).toEqual(['2026-W45', [], flip]);
    const rollups = await WeeklyRollup.collection.find({ workspaceId: 'TLATE' }, { projection: { ops: 1 } }).toArray();
    expect(rollups.flatMap((x) => (x.ops ?? []) as string[])).toEqual([]);
  });

  it('forgetting a moved customer takes back both the count and the move', async () => {
    await forgetCustomer('slack:TLATE:UX', { log: p.env.log });
    // W46: Y new; Z, D returning. W45: D new; Z returning.
    expect(await customers('2026-W46')).toEqual({ new: { current: 1, previous: 1 }, returning: { current: 2, previous: 1 } });
    expect(await customers('2026-W45')).toEqual({ new: { current: 1, previous: 1 }, returning: { current: 1, previous: 0 } });
    expect(await sets(firstId('slack:TLATE:UX')).findOne({ _id: firstId('slack:TLATE:UX') as never })).toBeNull();
    // Again: nothing changes.
    await forgetCustomer('slack:TLATE:UX', { log: p.env.log });
    expect(await customers('2026-W46')).toEqual({ new: { current: 1, previous: 1 }, returning: { current: 2, previous: 1 } });
  });
});

describe('new vs returning with every message captured newest first, tagged concurrently', () => {
  const R = { platform: 'slack' as const, workspaceId: 'TRACE' };
  // Tuesday to Thursday of each week.
  const days: Record<string, string[]> = { W44: ['2026-10-27', '2026-10-28', '2026-10-29'], W45: ['2026-11-03', '2026-11-04', '2026-11-05'], W46: ['2026-11-10', '2026-11-11', '2026-11-12'] };
  // Customer → weeks of its messages.
  const spec: Record<string, string[]> = {
    K1: ['W46', 'W45', 'W44'],
    K2: ['W46', 'W44'],
    K3: ['W45', 'W45', 'W46'],
    K4: ['W46', 'W46', 'W46'],
    K5: ['W44', 'W44', 'W46'],
    K6: ['W45', 'W44', 'W44'],
  };
  const all = Object.entries(spec).flatMap(([user, ws], i) =>
    ws.map((w, j) => msg({ ws: 'TRACE', user, name: user, text: 'need:bugs sent:0', at: `${days[w]![j]}T${String(10 + i).padStart(2, '0')}:0${j}:00Z`, channel: `C${user}`, channelName: 'support' })),
  );

  it('counts each customer new in its first week only, exactly, fast = naive', async () => {
    await p.send(...[...all].sort((a, b) => b.ts.getTime() - a.ts.getTime()));
    const customersOf = async (week: string) => {
      const d = await buildDigest(R, { week, now: NOW });
      expect(await naiveDigest(R, { week, now: NOW })).toEqual(d);
      return d.customers;
    };
    // W44: K1, K2, K5, K6 new. W45: K3 new; K1, K6 return. W46: K4 new; K1, K2, K3, K5 return.
    expect(await customersOf('2026-W46')).toEqual({ new: { current: 1, previous: 1 }, returning: { current: 4, previous: 2 } });
    expect(await customersOf('2026-W45')).toEqual({ new: { current: 1, previous: 4 }, returning: { current: 2, previous: 0 } });
    const rollups = await WeeklyRollup.collection.find({ workspaceId: 'TRACE' }, { projection: { ops: 1 } }).toArray();
    expect(rollups.flatMap((x) => (x.ops ?? []) as string[])).toEqual([]);
  });
});
