// Scheduled jobs follow the configuration of each start (issue 18 item 10), never settings left in Redis under
// the same queue prefix: a worker started with RESOLVE_AFTER_DAYS=30 and then one with 7 (same prefix) resolves
// an 18-day-old conversation at once, and the scheduler carries 7; an unchanged start keeps the schedule's time;
// retention's scheduler comes and goes with RETENTION_DAYS; a digest scheduler follows DIGEST_CRON.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_QUEUE, scheduleDigests, startDigestWorker } from '../../jobs/digest.js';
import { createMaintenanceProcessor } from '../../jobs/maintenance.js';
import { startWorkers, type WorkerHandle } from '../../jobs/worker.js';
import { Conversation, Message } from '../../src/db/models.js';
import { producerConnection } from '../../src/queue.js';
import { until } from '../faults/harness.js';
import { slackMessage, startPipeline, type Pipeline } from '../helpers/pipeline.js';

let p: Pipeline;
let worker: WorkerHandle | null = null;

beforeAll(async () => {
  p = await startPipeline(import.meta.filename, { worker: false });
});
afterAll(async () => {
  await worker?.close();
  await p?.close();
});

async function startWith(settings: { resolveAfterDays: number; retentionDays?: number }): Promise<WorkerHandle> {
  await worker?.close();
  worker = await startWorkers({
    config: { redisUrl: p.env.redisUrl, queuePrefix: p.env.prefix, tagConcurrency: 2, timeZone: 'UTC', ...settings },
    log: p.env.log,
    queues: p.queues,
    tagger: p.tagger,
  });
  return worker;
}

async function resolveRuns(): Promise<Array<{ resolved: number }>> {
  const jobs = await p.queues.maintenance.getJobs(['completed'], 0, -1);
  return jobs.filter((j) => j.name === 'resolve-quiet').map((j) => j.returnvalue as { resolved: number });
}

describe('maintenance schedules', () => {
  it('follow the configuration of each start: RESOLVE_AFTER_DAYS 30, then 7 resolves an 18-day-old conversation at once', async () => {
    const eighteenDaysAgo = new Date(Date.now() - 18 * 86_400_000);
    const out = await p.capture.capture(slackMessage({ workspaceId: 'TSCHED', ts: eighteenDaysAgo, text: 'Is the export still broken?' }));
    const first = await startWith({ resolveAfterDays: 30 });
    await p.waitForTag(out.messageKey, 0);
    const conversationId = (await Message.findById(out.messageKey).lean())!.conversationId!;
    expect(conversationId).toBeTruthy();
    expect(first.workers.length).toBeGreaterThan(0);

    // A new scheduler runs at once, with the settings of this start.
    expect((await p.queues.maintenance.getJobScheduler('resolve-quiet'))?.template?.data).toEqual({ resolveAfterDays: 30 });
    await until('the first resolve run (30 days)', async () => (await resolveRuns()).length >= 1, 30_000);
    // Tagging may have placed the message after that run looked: run once more, by hand, as 30 days would.
    expect(await createMaintenanceProcessor(p.queues, p.env.log, { resolveAfterDays: 30 })({ name: 'resolve-quiet', data: { resolveAfterDays: 30 } })).toEqual({ resolved: 0 });
    expect((await Conversation.findById(conversationId).lean())?.status).not.toBe('resolved');
    const runsBefore = (await resolveRuns()).length;

    // Same prefix, RESOLVE_AFTER_DAYS=7: the scheduler carries 7 and runs now, not at the old schedule's next hour.
    await startWith({ resolveAfterDays: 7 });
    const scheduler = await p.queues.maintenance.getJobScheduler('resolve-quiet');
    expect(scheduler?.template?.data).toEqual({ resolveAfterDays: 7 });
    expect(scheduler?.every).toBe(60 * 60_000);
    await until('the 18-day-old conversation to be resolved', async () => (await Conversation.findById(conversationId).lean())?.status === 'resolved', 30_000);
    // The job that resolved it is recorded as completed only after it returns: wait for that record, not only the
    // status it wrote (CI read the completed jobs in between once).
    await until('the resolving run to be recorded', async () => (await resolveRuns()).some((r) => r.resolved === 1), 30_000);
    // Only a 7-day run can resolve it (the 30-day ones found nothing).
    expect((await resolveRuns()).length).toBeGreaterThan(runsBefore);
    expect(await resolveRuns()).toContainEqual({ resolved: 1 });

    // An unchanged start keeps the schedule's time: no extra run.
    const next = (await p.queues.maintenance.getJobScheduler('resolve-quiet'))?.next;
    await startWith({ resolveAfterDays: 7 });
    expect((await p.queues.maintenance.getJobScheduler('resolve-quiet'))?.next).toBe(next);
    expect((await p.queues.maintenance.getJobSchedulers()).filter((s) => s.key === 'resolve-quiet' || s.id === 'resolve-quiet')).toHaveLength(1);
  }, 180_000);

  it('a job runs with the settings its scheduler carries, whatever the running worker was started with', async () => {
    const processor = createMaintenanceProcessor(p.queues, p.env.log, { resolveAfterDays: 365 });
    const old = await p.capture.capture(slackMessage({ workspaceId: 'TSCHED2', ts: new Date(Date.now() - 10 * 86_400_000), text: 'Any news on my refund?' }));
    await startWith({ resolveAfterDays: 300 });
    await p.waitForTag(old.messageKey, 0);
    const conversationId = (await Message.findById(old.messageKey).lean())!.conversationId!;
    expect(await processor({ name: 'resolve-quiet', data: {} })).toEqual({ resolved: 0 }); // its own 365 days
    expect(await processor({ name: 'resolve-quiet', data: { resolveAfterDays: 7 } })).toEqual({ resolved: 1 });
    expect((await Conversation.findById(conversationId).lean())?.status).toBe('resolved');
  }, 120_000);

  it('retention is scheduled with RETENTION_DAYS and unscheduled without it', async () => {
    await startWith({ resolveAfterDays: 7, retentionDays: 400 });
    expect((await p.queues.maintenance.getJobScheduler('retention'))?.template?.data).toEqual({ retentionDays: 400 });
    await startWith({ resolveAfterDays: 7, retentionDays: 500 });
    expect((await p.queues.maintenance.getJobScheduler('retention'))?.template?.data).toEqual({ retentionDays: 500 });
    await startWith({ resolveAfterDays: 7, retentionDays: 0 });
    expect(await p.queues.maintenance.getJobScheduler('retention')).toBeUndefined();
  }, 120_000);
});

describe('digest schedules', () => {
  it('follow DIGEST_CRON at every scheduling: one scheduler per workspace with the current pattern', async () => {
    const connection = producerConnection(p.env.redisUrl);
    const queue = new Queue(DIGEST_QUEUE, { connection, prefix: p.env.prefix });
    try {
      const deps = (digestCron: string) => ({ adapters: [{ platform: 'slack' as const, postDigest: async () => undefined }], config: { timeZone: 'UTC', digestCron }, log: p.env.log });
      await scheduleDigests(queue, deps('0 9 * * 1'));
      expect(await queue.getJobScheduler('digest-slack-TSCHED')).toMatchObject({ pattern: '0 9 * * 1', tz: 'UTC' });
      await scheduleDigests(queue, deps('30 17 * * 5'));
      const s = await queue.getJobScheduler('digest-slack-TSCHED');
      expect(s).toMatchObject({ pattern: '30 17 * * 5', tz: 'UTC' });
      const next = new Date(Number(s!.next));
      expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([5, 17, 30]);
      // The old pattern's pending run is gone: one delayed run for the workspace, at the new time.
      const delayed = (await queue.getJobs(['delayed'], 0, -1)).filter((j) => (j.data as { workspaceId?: string }).workspaceId === 'TSCHED');
      expect(delayed.map((j) => j.timestamp + (j.opts.delay ?? 0))).toEqual([next.getTime()]);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }, 60_000);

  it('the hourly re-scheduling carries the settings of the bot started last, whichever bot runs it', async () => {
    const deps = (digestCron: string) => ({
      adapters: [{ platform: 'slack' as const, postDigest: async () => undefined }],
      config: { timeZone: 'UTC', digestCron },
      log: p.env.log,
      redisUrl: p.env.redisUrl,
      prefix: p.env.prefix,
    });
    await p.capture.capture(slackMessage({ workspaceId: 'TSCHED3' }));
    const older = await startDigestWorker(deps('0 9 * * 1'));
    const reschedulings = async (): Promise<number> => (await older.queue.getJobs(['completed'], 0, -1)).filter((j) => j.name === 'schedule-digests').length;
    // A new scheduler runs at once: let that run (with the older settings) finish before the newer bot starts.
    await until('the first re-scheduling', async () => (await reschedulings()) >= 1, 30_000);
    const newer = await startDigestWorker(deps('0 8 * * 2'));
    try {
      expect((await newer.queue.getJobScheduler('schedule-digests'))?.template?.data).toEqual({ digestCron: '0 8 * * 2', timeZone: 'UTC' });
      expect(await newer.queue.getJobScheduler('digest-slack-TSCHED3')).toMatchObject({ pattern: '0 8 * * 2' });
      // The older bot's worker takes the next re-scheduling: it applies the settings the job carries.
      await newer.worker.close();
      const job = await older.queue.add('schedule-digests', { digestCron: '0 8 * * 2', timeZone: 'UTC' } as never);
      await until('the re-scheduling to run', async () => (await job.getState()) === 'completed', 30_000);
      expect(await older.queue.getJobScheduler('digest-slack-TSCHED3')).toMatchObject({ pattern: '0 8 * * 2' });
    } finally {
      await newer.close();
      await older.close();
    }
  }, 60_000);
});
