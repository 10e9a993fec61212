// Issue 18 item 2 (issue 20): the same tag work enqueued again after its job completed must run again. The
// quick start run twice (services stop/start: a new empty database, the same Redis) stored the same messages
// under the same keys, so their tag jobs had the ids of jobs completed minutes before, which BullMQ kept for a
// day and which swallowed the new jobs without a word: nothing was tagged. A duplicate delivery while the first
// job waits must still add nothing.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from '../src/db/models.js';
import { tagChunkJobId, tagJobId } from '../src/domain/keys.js';
import { until } from './faults/harness.js';
import { slackMessage, startPipeline, type Pipeline } from './helpers/pipeline.js';

let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(import.meta.url);
}, 120_000);
afterAll(async () => {
  await p?.close();
});

/** What `services stop` + `start` does to the database: every collection empty again. Redis is left as it is. */
async function newEmptyDatabase(): Promise<void> {
  for (const c of await mongoose.connection.db!.collections()) await c.deleteMany({});
}

const untagged = async (workspaceId: string) => Message.countDocuments({ workspaceId, needsTagging: true });

describe('tag jobs enqueued again after theirs completed', () => {
  it('a message captured again into a new empty database is tagged again (live capture)', async () => {
    const m = slackMessage({ workspaceId: 'TAGAIN1' });
    const first = await p.capture.capture(m);
    expect(first.status).toBe('stored');
    await until('the first tagging', async () => (await untagged('TAGAIN1')) === 0 && (await Message.countDocuments({ workspaceId: 'TAGAIN1' })) === 1, 60_000);
    await until('the job to complete', async () => (await p.queues.tag.getJob(tagJobId(first.messageKey, 0)))?.isCompleted(), 30_000);

    await newEmptyDatabase();
    const second = await p.capture.capture(m);
    expect(second).toMatchObject({ status: 'stored', messageKey: first.messageKey, rev: 0, queued: true });
    // Before the fix the completed job kept the id and the new one was dropped: this waited out its deadline.
    await until('the message to be tagged again', async () => (await untagged('TAGAIN1')) === 0, 60_000);
    const stored = await Message.findById(first.messageKey).lean();
    expect(stored?.needsTagging).toBe(false);
    expect(stored?.tags?.needs?.map((n: { need: string }) => n.need)).toEqual(['billing']);
  }, 180_000);

  it('an import chunk enqueued again into a new empty database is expanded and tagged again', async () => {
    const a = await p.capture.capture(slackMessage({ workspaceId: 'TAGAIN2' }));
    const b = await p.capture.capture(slackMessage({ workspaceId: 'TAGAIN2', text: 'thanks, that fixed it' }));
    const items = [a, b].map((o) => ({ messageKey: o.messageKey, rev: 0 }));
    await until('the first tagging', async () => (await untagged('TAGAIN2')) === 0, 60_000);
    await p.queues.enqueueTagChunk(items);
    await until('the chunk to complete', async () => (await p.queues.tagChunk.getJob(tagChunkJobId(items)))?.isCompleted(), 30_000);
    // And the tag jobs it re-added (their ids were held by completed jobs) to finish, before the database goes:
    // one still running when the messages are written again would swallow the new one (the sweep's case).
    await until('no tag job left', async () => Object.values(await p.queues.tag.getJobCounts('waiting', 'prioritized', 'active', 'delayed')).every((n) => n === 0), 30_000);

    await newEmptyDatabase();
    // What the bulk importer does: the same messages written untagged (insertMany), then the same chunk enqueued.
    await Message.collection.insertMany(
      [a, b].map((o, i) => ({
        _id: o.messageKey as never, platform: 'slack', workspaceId: 'TAGAIN2', channelId: 'C1234', messageId: o.messageKey.split(':').pop(),
        threadId: null, conversationId: null, customerId: null, author: { userId: 'U1234', name: 'Ada Customer', role: 'customer' },
        text: i === 0 ? 'I was charged twice on my invoice this month' : 'thanks, that fixed it', attachments: [],
        ts: new Date('2026-11-23T10:00:00Z'), editedAt: null, deletedAt: null, permalink: null, source: 'import', capturedAt: new Date(),
        rev: 0, needsTagging: true, tags: null, counted: null, pending: null,
      })),
    );
    await p.queues.enqueueTagChunk(items);
    await until('both messages to be tagged again', async () => (await untagged('TAGAIN2')) === 0, 60_000);
  }, 180_000);

  it('a duplicate delivery while the first job waits adds no second job', async () => {
    await p.worker!.close();
    p.worker = null;
    const m = slackMessage({ workspaceId: 'TAGAIN3' });
    const out = await p.capture.capture(m);
    expect((await p.capture.capture(m)).status).toBe('duplicate');
    await p.queues.enqueueTag(out.messageKey, 0);
    await p.queues.expandTagChunk([{ messageKey: out.messageKey, rev: 0 }]);
    const waiting = await p.queues.tag.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(waiting.filter((j) => j.data.messageKey === out.messageKey).map((j) => j.id)).toEqual([tagJobId(out.messageKey, 0)]);
    const completedBefore = await p.queues.tag.getCompletedCount();
    await p.startWorker();
    await until('the message to be tagged', async () => (await untagged('TAGAIN3')) === 0, 60_000);
    await until('its one job to complete', async () => (await p.queues.tag.getJob(tagJobId(out.messageKey, 0)))?.isCompleted(), 30_000);
    expect((await p.queues.tag.getCompletedCount()) - completedBefore).toBe(1);
  }, 180_000);
});
