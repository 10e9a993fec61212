// Thread activity notes (what backfill asks for missed replies) under a burst: many notes for one channel's
// day document at once are written together, and every one of them is stored before its caller resumes.
import { Collection } from 'mongodb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { noteThreadActivity, recentThreadRoots } from '../../adapters/slack/thread-activity.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = testEnv(import.meta.filename);
  await connectTestDb(env);
});
afterAll(async () => {
  await cleanupTestEnv(env);
});

const NOW = new Date('2026-11-24T12:00:00Z');

describe('noteThreadActivity', () => {
  it('stores every one of 300 notes made at once (two channels, repeated roots), each before its caller resumes', async () => {
    const roots = (channel: number) => Array.from({ length: 150 }, (_, i) => `1764000000.${String(channel * 1000 + i).padStart(6, '0')}`);
    const seenAfter = new Map<string, boolean>();
    const updates = vi.spyOn(Collection.prototype, 'updateOne');
    await Promise.all(
      [0, 1].flatMap((c) =>
        [...roots(c), ...roots(c).slice(0, 20)].map(async (ts) => {
          await noteThreadActivity('TACT', `C${c}`, ts, NOW);
          // Resumed only once stored: the day's document already holds this root.
          const doc = (await mongoose.connection.db!.collection('slack_thread_activity').findOne({ _id: `TACT:C${c}|20261124` as never })) as { r?: Record<string, string> } | null;
          seenAfter.set(`${c}|${ts}`, Object.values(doc?.r ?? {}).includes(ts));
        }),
      ),
    );
    // Written together: a few updates per day document, not one per note (340 notes, 300 distinct).
    const activityUpdates = updates.mock.contexts.filter((c) => (c as Collection).collectionName === 'slack_thread_activity').length;
    updates.mockRestore();
    expect(activityUpdates).toBeGreaterThan(0);
    expect(activityUpdates).toBeLessThan(40);
    expect([...seenAfter.values()].every(Boolean)).toBe(true);
    expect((await recentThreadRoots('TACT', 'C0', NOW)).sort()).toEqual(roots(0).sort());
    expect((await recentThreadRoots('TACT', 'C1', NOW)).sort()).toEqual(roots(1).sort());
  });

  it('a later day creates its document and prunes the channel’s days past the window', async () => {
    const old = new Date(NOW.getTime() - 20 * 86_400_000);
    await noteThreadActivity('TACT', 'C9', '1762000000.000001', old);
    await noteThreadActivity('TACT', 'C9', '1764000000.000002', NOW);
    const ids = (await mongoose.connection.db!.collection('slack_thread_activity').find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).filter((id) => id.startsWith('TACT:C9'));
    expect(ids).toEqual(['TACT:C9|20261124']);
  });
});
