// The bulk importer enqueues one `tag-chunk` job per written chunk instead of a tag job per message; the
// worker's tag-chunk processor expands it into exactly one tag job per message, with live capture's job ids.
// Nothing is lost when the chunk job never runs (Redis down at import): the untagged sweep finds the
// imported messages, and a later expansion duplicates nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTagChunkProcessor } from '../../jobs/tag.js';
import { tagChunkJobId, tagJobId } from '../../src/domain/keys.js';
import { sweepUntagged } from '../../src/counters/sweep.js';
import { Message } from '../../src/db/models.js';
import { runImport } from '../../src/import/run.js';
import { QueueUnavailableError } from '../../src/errors.js';
import type { Queues, TagChunkJobData } from '../../src/queue.js';
import { startImportHarness, type ImportHarness } from './harness.js';
import { syntheticExport } from './synthetic.js';

let h: ImportHarness;

beforeAll(async () => {
  h = await startImportHarness(import.meta.filename);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await h.clear();
});

const N = 50;
const CHUNK = 7; // the harness's chunk size

async function expectedTagJobIds(): Promise<string[]> {
  const stored = await Message.find({ needsTagging: true }, { _id: 1 }).lean();
  return stored.map((m) => tagJobId(m._id, 0)).sort();
}

describe('tag-chunk jobs of the bulk importer', () => {
  it('are one per written chunk and expand into exactly one tag job per message; a second run adds nothing', async () => {
    const summary = await h.run(syntheticExport({ seed: 11, messages: N }));
    // 50 new messages (and two edits of them, which go through CaptureService).
    expect(summary).toMatchObject({ read: N + 2, stored: N, notQueued: 0, rejections: [] });

    // Nothing per message on the import's path: one chunk job per written chunk, covering every message once.
    expect(await h.tagJobIds()).toEqual([]);
    const chunks = await h.queues.tagChunk.getJobs(['waiting']);
    expect(chunks).toHaveLength(Math.ceil(N / CHUNK));
    const items = chunks.flatMap((j) => j.data.items);
    expect(items).toHaveLength(N);
    expect(items.every((i) => i.rev === 0)).toBe(true);
    for (const j of chunks) expect(j.id).toBe(tagChunkJobId(j.data.items));
    const expected = await expectedTagJobIds();
    expect(expected).toHaveLength(N);
    expect(items.map((i) => tagJobId(i.messageKey, i.rev)).sort()).toEqual(expected);

    expect(await h.expandTagChunks()).toBe(chunks.length);
    const ids = await h.tagJobIds();
    expect(ids).toEqual(expected);
    const chunkIds = await h.tagChunkJobIds();

    // Again: the same chunks enqueued again (same ids: no tag job added), the processor run again on each
    // (a retried job), and a re-import (all duplicates, so no chunk job at all).
    for (const j of chunks) await h.queues.enqueueTagChunk(j.data.items);
    expect(await h.tagChunkJobIds()).toEqual(chunkIds);
    const expand = createTagChunkProcessor(h.queues);
    for (const j of chunks) expect(await expand({ data: j.data as TagChunkJobData })).toEqual({ enqueued: j.data.items.length });
    // A re-import while the messages are still untagged enqueues their jobs again (plan.retag), in the same
    // chunks, so under the same chunk job ids: nothing is added. (The export holds two messages twice; before
    // plan.retag listed each stored message once, those chunks differed.)
    const again = await h.run(syntheticExport({ seed: 11, messages: N }));
    expect(again).toMatchObject({ stored: 0, notQueued: 0 });
    expect(await h.tagChunkJobIds()).toEqual(chunkIds);
    // A completed chunk enqueued again runs again (issue 18 item 2: a finished job never swallows work), and
    // adds no tag job: theirs are waiting.
    expect(await h.expandTagChunks()).toBe(chunks.length);
    expect(await h.tagJobIds()).toEqual(ids);
    // Once tagged, a re-import enqueues nothing at all.
    await Message.updateMany({}, { $set: { needsTagging: false } });
    const chunkIdsNow = await h.tagChunkJobIds();
    expect(await h.run(syntheticExport({ seed: 11, messages: N }))).toMatchObject({ stored: 0, notQueued: 0 });
    expect(await h.tagChunkJobIds()).toEqual(chunkIdsNow);
    expect(await h.tagJobIds()).toEqual(ids);
    expect(await h.queues.tag.count()).toBe(N);
  });

  it('with Redis down during the import, the sweep enqueues every imported message; expanding later adds nothing', async () => {
    // The producer as it behaves with Redis down (test/faults/redis-down.test.ts shows Queues failing so):
    // enqueuing throws QueueUnavailableError.
    const down = Object.create(h.queues, {
      enqueueTagChunk: { value: async () => { throw new QueueUnavailableError('Connection is closed.'); } },
    }) as Queues;
    {
      const summary = await runImport(syntheticExport({ seed: 12, messages: N }), {
        via: 'bulk',
        capture: h.capture,
        queues: down,
        log: h.env.log,
        conversationWindowMinutes: 30,
        maxMessageChars: 100_000,
        now: () => new Date('2026-11-25T06:00:00Z'),
        chunkSize: CHUNK,
      });
      expect(summary).toMatchObject({ stored: N, notQueued: N });
    }
    expect(await h.tagChunkJobIds()).toEqual([]);
    expect(await h.tagJobIds()).toEqual([]);

    // The imported messages carry what the sweep looks for (needsTagging, capturedAt).
    const swept = await sweepUntagged(h.queues, h.env.log, { now: new Date('2026-11-25T06:05:00Z') });
    expect(swept).toMatchObject({ found: N, enqueued: N });
    const expected = await expectedTagJobIds();
    expect(expected).toHaveLength(N);
    expect(await h.tagJobIds()).toEqual(expected);

    // The same messages' chunk jobs, should they arrive after the sweep, add no second job.
    const keys = (await Message.find({}, { _id: 1 }).sort({ _id: 1 }).lean()).map((m) => ({ messageKey: m._id, rev: 0 }));
    for (let i = 0; i < keys.length; i += CHUNK) await h.queues.enqueueTagChunk(keys.slice(i, i + CHUNK));
    expect(await h.expandTagChunks()).toBe(Math.ceil(N / CHUNK));
    expect(await h.tagJobIds()).toEqual(expected);
    expect(await h.queues.tag.count()).toBe(N);
  });
});
