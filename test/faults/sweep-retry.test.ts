// A tag job that failed every attempt (a long database outage outlasts its retries) keeps its id in the
// failed set, so re-adding it would be ignored: the sweeper retries it instead, and the message is tagged.
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepUntagged } from '../../src/counters/sweep.js';
import { Message } from '../../src/db/models.js';
import { QUEUE, workerConnection } from '../../src/queue.js';
import { startPipeline, slackMessage, type Pipeline } from '../helpers/pipeline.js';
import { ledger, until } from './harness.js';

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline(import.meta.filename, { worker: false });
}, 180_000);
afterAll(async () => {
  await p?.close();
});

describe('sweeper and failed tag jobs', () => {
  it('retries a tag job that failed for good, once, and the message is then tagged and counted', async () => {
    const out = await p.capture.capture(slackMessage({ workspaceId: 'TSWR' }));
    // A worker whose every attempt fails for good (as after exhausted retries).
    const failing = new Worker(QUEUE.tag, async () => {
      throw new UnrecoverableError('database unavailable');
    }, { connection: workerConnection(p.env.redisUrl), prefix: p.env.prefix });
    failing.on('error', () => undefined);
    await until('the job to fail', async () => (await p.queues.tag.getFailedCount()) === 1, 60_000);
    await failing.close();

    // Re-adding by id is what the old sweep did: BullMQ ignores it while the failed job exists.
    await p.queues.enqueueTag(out.messageKey, 0);
    expect(await p.queues.tag.getWaitingCount()).toBe(0);

    const swept = await sweepUntagged(p.queues, p.env.log, { olderThanMs: 0 });
    expect(swept).toMatchObject({ found: 1, retried: 1 });
    await p.startWorker();
    await until('the message to be tagged', async () => (await Message.countDocuments({ workspaceId: 'TSWR', needsTagging: true })) === 0, 120_000, 250);
    expect(await ledger('TSWR')).toEqual({ messages: 1, distinctMessageIds: 1, untagged: 0, pending: 0, mismatches: [] });
    // A second sweep finds nothing to do.
    expect(await sweepUntagged(p.queues, p.env.log, { olderThanMs: 0 })).toMatchObject({ found: 0 });
  }, 240_000);
});
