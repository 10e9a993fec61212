// The read models' partitions (src/history/store.ts) and the first-reply histogram the digest takes its
// median from (src/history/projection.ts fileReply/removeReply, src/digest/fast.ts middleReplies), on FerretDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from './helpers/env.js';
import { partitionName, partitionNames, partitionOf, readModelPartitions, setReadModelPartitions } from '../src/history/store.js';
import { fileReply, removeReply, replyBucket, setIds, shardOf } from '../src/history/projection.js';
import { safeKey } from '../src/counters/contribution.js';
import { sets } from '../src/history/store.js';
import { middleReplies } from '../src/digest/fast.js';
import { median } from '../src/digest/assemble.js';
import { rng } from '../src/random.js';

let env: TestEnv;
beforeAll(async () => {
  env = testEnv(import.meta.filename);
  await connectTestDb(env);
});
afterAll(async () => {
  await cleanupTestEnv(env);
});

describe('partitions', () => {
  it('spread ids over every partition and name the same one for the same id', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) seen.add(partitionOf(`slack:T1:U${i}`, 256));
    expect(seen.size).toBe(256);
    expect(partitionName('history_sets', 'u|slack:T1|3', 256)).toBe(partitionName('history_sets', 'u|slack:T1|3', 256));
    expect(partitionName('customer_keys', 'e|ada@example.com', 256)).toMatch(/^customer_keys_p\d{3}$/);
    expect(partitionNames('history_views', 256)).toHaveLength(256);
  });

  it('keep one collection per read model, named without a suffix, by default', () => {
    expect(readModelPartitions()).toBe(1);
    expect(partitionName('customer_keys', 'e|ada@example.com')).toBe('customer_keys');
    expect(partitionNames('history_views')).toEqual(['history_views']);
    setReadModelPartitions(16);
    try {
      expect(partitionName('customer_keys', 'e|ada@example.com')).toBe(`customer_keys_p${String(partitionOf('e|ada@example.com', 16)).padStart(3, '0')}`);
    } finally {
      setReadModelPartitions(1);
    }
    expect(() => setReadModelPartitions(0)).toThrow(/1 to 1024/);
    expect(() => setReadModelPartitions(2.5)).toThrow(/1 to 1024/);
  });
});

describe('first-reply histogram', () => {
  const scope = 'slack:T1';
  it('gives the exact median (odd and even counts, shared buckets, equal values) from the middle values alone', async () => {
    const random = rng(7);
    const all: number[] = [];
    // Values close together (one bucket), far apart, equal, and under a second.
    const values = [0, 400, 999, 1000, 60_000, 60_000, 61_000, 3_600_000, 3_600_500, 86_400_000];
    for (let i = 0; i < 31; i++) values.push(Math.floor(random() * 4 * 3600_000));
    for (const [i, ms] of values.entries()) {
      await fileReply(scope, '2026-W48', `slack:T1:C1:${1_700_000_000 + i}.000100`, ms);
      all.push(ms);
      const middle = await middleReplies(scope, '2026-W48');
      expect(middle.length).toBe(all.length % 2 === 1 ? 1 : 2);
      expect(median(middle)).toBe(median(all));
    }
  });

  it('counts a conversation once however often it is filed, and forgets it when removed', async () => {
    const week = '2026-W47';
    for (let i = 0; i < 3; i++) await fileReply(scope, week, 'slack:T1:C1:1.5', 120_000);
    await fileReply(scope, week, 'slack:T1:C1:2.5', 180_000);
    await fileReply(scope, week, 'slack:T1:C1:3.5', 600_000);
    const h = setIds.replyHistogram(scope, week);
    const doc = (await sets(h).findOne({ _id: h as never })) as { b: Record<string, number> } | null;
    expect(Object.values(doc!.b).reduce((a, b) => a + b, 0)).toBe(3);
    expect(median(await middleReplies(scope, week))).toBe(180_000);
    // removeReply reads the value from the conversation's shard entry, which syncConversation writes.
    const shard = setIds.replies(scope, week, shardOf('slack:T1:C1:3.5'));
    await sets(shard).updateOne({ _id: shard as never }, { $set: { [`m.${safeKey('slack:T1:C1:3.5')}`]: 600_000 } }, { upsert: true });
    await removeReply(scope, week, 'slack:T1:C1:3.5');
    expect(median(await middleReplies(scope, week))).toBe(150_000);
    expect(replyBucket(999)).toBe(0);
    expect(replyBucket(1000)).toBe(1);
    expect(replyBucket(2000)).toBe(17);
  });
});
