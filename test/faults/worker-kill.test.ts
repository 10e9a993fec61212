// Fault: a worker process (`support-history worker`) is SIGKILLed while it runs tag jobs. BullMQ's
// stalled-job check hands the jobs it held to another worker, and the pending-op + `ops` guard makes the
// counter updates of a job that died half-way apply exactly once.
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from '../../src/db/models.js';
import { QUEUE, workerConnection } from '../../src/queue.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { runCli, type CliProcess } from '../helpers/cli-process.js';
import { freePort } from '../helpers/servers.js';
import { ledger, report, step, streamEvent, until } from './harness.js';

let p: Pipeline;
let events: QueueEvents;
let child: CliProcess | null = null;

beforeAll(async () => {
  // No in-process worker at first: the child process does the work until it is killed.
  p = await startPipeline(import.meta.filename, { worker: false });
  events = new QueueEvents(QUEUE.tag, { connection: workerConnection(p.env.redisUrl), prefix: p.env.prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await child?.kill('SIGKILL');
  await events?.close();
  await p?.close();
});

describe('a worker killed in the middle of a job', () => {
  it('has its jobs recovered as stalled and every counter applied exactly once', async () => {
    const run = 'WK';
    const total = 60;
    for (let i = 0; i < total; i++) await p.capture.capture(streamEvent(run, i, { customers: 5, channels: 2, agentsEvery: 6 }));
    expect(await p.queues.tag.getWaitingCount()).toBe(total);
    step('captured');

    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));

    const mongoUrl = new URL(p.env.mongoUrl);
    mongoUrl.pathname = `/${p.env.dbName}`;
    child = runCli(['worker'], {
      MONGO_URL: mongoUrl.toString(),
      REDIS_URL: p.env.redisUrl,
      QUEUE_PREFIX: p.env.prefix,
      WORKER_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      TAG_CONCURRENCY: '8',
      LOG_LEVEL: 'info',
    });
    await child.waitForLog(/"msg":"worker started"/);
    step('child worker started');
    // Kill it while it holds jobs and some are already done: mid-stream, not before or after.
    const held = await until(
      'the child worker to hold jobs mid-stream',
      async () => {
        const [active, completed] = await Promise.all([p.queues.tag.getActive(), p.queues.tag.getCompletedCount()]);
        return active.length > 0 && completed >= 10 ? active.map((j) => j.id!) : null;
      },
      60_000,
      5,
    );
    const pendingAtKill = await Message.countDocuments({ workspaceId: `T${run}`, pending: { $ne: null } });
    expect(await child.kill('SIGKILL')).toBeNull();
    const killedAt = Date.now();
    step(`killed the child holding ${held.length} jobs`);
    const completedAtKill = await p.queues.tag.getCompletedCount();
    // What the dead process held stays 'active' (locked) until its lock expires: these are the jobs to recover.
    const orphaned = (await p.queues.tag.getActive()).map((j) => j.id!);
    expect(orphaned.length).toBeGreaterThan(0);
    expect(completedAtKill).toBeLessThan(total);

    // A replacement worker (the orchestrator restarting the service) picks the stalled jobs up.
    await p.startWorker();
    step('replacement worker started');
    await until('every message to be tagged', async () => (await Message.countDocuments({ workspaceId: `T${run}`, needsTagging: true })) === 0, 150_000, 250);
    const recoveredMs = Date.now() - killedAt;
    step(`all tagged; stalled so far: ${stalled.size}`);
    await until('the queue to drain', async () => {
      const c = await p.queues.tag.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0 && c.completed === total ? c : null;
    }, 30_000);

    // The jobs the dead worker held were detected as stalled (its lock expired) and run again.
    expect(stalled.size).toBeGreaterThan(0);
    expect([...stalled].sort()).toEqual([...orphaned].sort());
    const l = await ledger(`T${run}`);
    expect(l).toEqual({ messages: total, distinctMessageIds: total, untagged: 0, pending: 0, mismatches: [] });
    report('worker-sigkill', { sent: total, heldAtKill: orphaned.length, pendingCounterOpsAtKill: pendingAtKill, completedAtKill, stalledRecovered: stalled.size, lost: total - l.distinctMessageIds, duplicates: l.messages - l.distinctMessageIds, counterMismatches: l.mismatches.length, recoveredMs });
  }, 400_000);
});
