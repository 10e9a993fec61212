// The read models' layout (READ_MODEL_PARTITIONS): recorded in the database, refused when a process is started
// with another one, and moved by `repartition` (including a run that stops half-way) without changing a single
// answer of /history or the digest.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../src/digest/index.js';
import { LayoutMismatchError } from '../src/errors.js';
import { buildCustomerSummary, lookupCustomer } from '../src/history/index.js';
import { ensureLayout, repartition, storedLayout } from '../src/history/layout.js';
import { partitionNames, PARTITIONED, readModelPartitions, setReadModelPartitions } from '../src/history/store.js';
import { msg, startHistoryPipeline, type HistoryPipeline } from './helpers/history-pipeline.js';

let p: HistoryPipeline;
const NOW = new Date('2026-11-24T12:00:00Z');
const T1 = { platform: 'slack' as const, workspaceId: 'T1' };

const collections = async (): Promise<string[]> =>
  (await mongoose.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => PARTITIONED.some((b) => n.startsWith(b))).sort();

/** Everything /history and the digest answer for the fixture. */
async function answers(): Promise<unknown> {
  const out: unknown[] = [];
  for (let i = 0; i < 6; i++) {
    out.push(await lookupCustomer(T1, { name: `Customer ${i}` }));
    out.push(await lookupCustomer(T1, { email: `c${i}@example.com` }));
    out.push(await buildCustomerSummary(T1, `slack:T1:U${i}`, { now: NOW }));
  }
  out.push(await buildDigest(T1, { now: NOW }));
  return JSON.parse(JSON.stringify(out));
}

beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
  await ensureLayout(1);
  const msgs = [];
  for (let i = 0; i < 24; i++) {
    const c = i % 6;
    const customer = { user: `U${c}`, name: `Customer ${c}`, email: `c${c}@example.com` };
    const root = msg({ ...customer, channel: `C${i % 3}`, text: `need:billing sent:${(i % 5) / 5 - 0.4}`, at: `2026-11-${String(10 + (i % 14)).padStart(2, '0')}T09:00:00Z` });
    msgs.push(root);
    if (i % 2 === 0) msgs.push(msg({ user: 'UA', role: 'agent', channel: root.channelId, thread: root.messageId, text: 'on it', at: `2026-11-${String(10 + (i % 14)).padStart(2, '0')}T09:30:00Z` }));
  }
  await p.send(...msgs);
}, 120_000);
afterAll(async () => {
  setReadModelPartitions(1);
  await p?.close();
});

describe('read model layout', () => {
  it('is recorded, and a process asking for another one is refused with what to run', async () => {
    expect(readModelPartitions()).toBe(1);
    expect(await storedLayout()).toEqual({ partitions: 1 });
    await expect(ensureLayout(16)).rejects.toThrow(LayoutMismatchError);
    await expect(ensureLayout(16)).rejects.toThrow(/stored in 1 partition\(s\) but READ_MODEL_PARTITIONS is 16: .*repartition --partitions 16/);
    await ensureLayout(1);
  });

  it('moves every document to 16 partitions and back with the same answers', async () => {
    const before = await answers();
    expect(await collections()).toEqual([...PARTITIONED].sort());

    const there = await repartition(16, p.env.log);
    expect(there).toMatchObject({ from: 1, to: 16 });
    expect(there.moved).toBeGreaterThan(50);
    setReadModelPartitions(16);
    await ensureLayout(16);
    // Only 16-partition collections are left, and the answers are unchanged.
    expect((await collections()).every((n) => /_p0\d\d$/.test(n))).toBe(true);
    for (const base of PARTITIONED) expect(partitionNames(base)).toHaveLength(16);
    expect(await answers()).toEqual(before);

    const back = await repartition(1, p.env.log);
    expect(back).toMatchObject({ from: 16, to: 1, moved: there.moved });
    setReadModelPartitions(1);
    await ensureLayout(1);
    expect(await collections()).toEqual([...PARTITIONED].sort());
    expect(await answers()).toEqual(before);
  });

  it('finishes a move that stopped half-way when run again, and refuses to start meanwhile', async () => {
    const before = await answers();
    await expect(
      repartition(8, p.env.log, () => {
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(await storedLayout()).toEqual({ partitions: 1, moving: { from: 1, to: 8 } });
    await expect(ensureLayout(1)).rejects.toThrow(/did not finish: run `support-history repartition --partitions 8` again/);
    await expect(ensureLayout(8)).rejects.toThrow(LayoutMismatchError);

    const done = await repartition(8, p.env.log);
    expect(done).toMatchObject({ from: 1, to: 8 });
    setReadModelPartitions(8);
    await ensureLayout(8);
    expect(await answers()).toEqual(before);
    await repartition(1, p.env.log);
    setReadModelPartitions(1);
    expect(await answers()).toEqual(before);
  });

  it('takes a database of an earlier version, which split every read model in 256, as 256', async () => {
    await mongoose.connection.db!.collection('layout').deleteMany({});
    await mongoose.connection.db!.createCollection('history_views_p000');
    expect(await storedLayout()).toEqual({ partitions: 256 });
    await expect(ensureLayout(1)).rejects.toThrow(/stored in 256 partition\(s\) but READ_MODEL_PARTITIONS is 1/);
    await mongoose.connection.db!.collection('history_views_p000').drop();
    await ensureLayout(1);
  });
});
