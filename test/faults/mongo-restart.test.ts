// Fault: the MongoDB-compatible server crashes and comes back mid-stream. The bot (capture, in this process)
// and the worker (`support-history worker`, a child process) reconnect by themselves; an event that could
// not be stored fails its delivery, and the platform's redelivery (simulated: retry until stored, as Slack
// does after a non-2xx) stores it. Nothing is lost, nothing is stored or counted twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureService } from '../../src/capture/capture.js';
import { Message } from '../../src/db/models.js';
import { Queues } from '../../src/queue.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';
import { runCli, type CliProcess } from '../helpers/cli-process.js';
import { freePort, OwnFerret } from '../helpers/servers.js';
import { sweepUntagged } from '../../src/counters/sweep.js';
import { ledger, report, step, streamEvent, until } from './harness.js';

let ferret: OwnFerret;
let env: TestEnv;
let queues: Queues;
let capture: CaptureService;
let worker: CliProcess | null = null;

beforeAll(async () => {
  ferret = await OwnFerret.start();
  env = testEnv(import.meta.filename);
  env.mongoUrl = ferret.url(env.dbName);
  await connectTestDb(env);
  queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 100_000 });
});

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await queues?.close();
  if (env) await cleanupTestEnv(env).catch(() => undefined);
  await ferret?.close();
});

describe('the MongoDB-compatible server restarts mid-stream', () => {
  it('reconnects bot and worker by themselves; redelivered events are stored once, all tagged and counted once', async () => {
    const run = 'MR';
    const total = 120;
    const workerPort = await freePort();
    worker = runCli(['worker'], { MONGO_URL: env.mongoUrl, REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, WORKER_PORT: String(workerPort), HOST: '127.0.0.1', TAG_CONCURRENCY: '4', LOG_LEVEL: 'info' });
    await worker.waitForLog(/"msg":"worker started"/, 180_000);
    const readyz = async (): Promise<number> => (await fetch(`http://127.0.0.1:${workerPort}/readyz`)).status;
    expect(await readyz()).toBe(200);

    let stored = 0;
    let failedDeliveries = 0;
    let duplicateDeliveries = 0;
    let crashed = false;
    let next = 0;
    // A delivery that fails is redelivered (Slack: up to 3 times over minutes; here until stored, bounded).
    const deliver = async (i: number): Promise<void> => {
      const end = Date.now() + 120_000;
      for (;;) {
        try {
          const out = await capture.capture(streamEvent(run, i, { agentsEvery: 5 }));
          if (out.status === 'stored') stored++;
          else if (out.status === 'duplicate') duplicateDeliveries++;
          // Half the events are delivered a second time anyway (a platform retry after a slow ack).
          if (i % 2 === 0 && (await capture.capture(streamEvent(run, i, { agentsEvery: 5 }))).status !== 'duplicate') throw new Error(`event ${i} stored twice`);
          return;
        } catch (err) {
          if ((err as Error).message.includes('stored twice')) throw err;
          failedDeliveries++;
          if (Date.now() > end) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const deliverers = Array.from({ length: 6 }, async () => {
      while (next < total) await deliver(next++);
    });
    // Crash the server once a third of the stream is stored; bring it back after deliveries have failed.
    const fault = (async () => {
      await until('a third of the stream', async () => stored >= total / 3, 60_000, 10);
      await ferret.crash();
      crashed = true;
      const downAt = Date.now();
      await until('deliveries to fail against the dead server', async () => failedDeliveries >= 6, 60_000, 20);
      const readyWhileDown = await readyz();
      await ferret.up();
      return { downMs: Date.now() - downAt, readyWhileDown };
    })();
    const [{ downMs, readyWhileDown }] = await Promise.all([fault, ...deliverers]);
    expect(crashed).toBe(true);
    expect(readyWhileDown).toBe(503);
    expect(failedDeliveries).toBeGreaterThanOrEqual(6);

    // The worker reconnects on its own (same process, never restarted) and finishes every tag job.
    step(`stream delivered; server was down ${downMs} ms; ${failedDeliveries} deliveries failed`);
    await until('the worker to report ready again', async () => (await readyz()) === 200, 60_000, 250);
    const counts = () => queues.tag.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    step(`worker ready again; tag jobs ${JSON.stringify(await counts())}`);
    // The scheduled sweep (every 5 minutes in the worker) also retries jobs that failed every attempt.
    const swept = await sweepUntagged(queues, env.log, { olderThanMs: 0 });
    step(`swept ${JSON.stringify(swept)}`);
    try {
      await until('every message to be tagged', async () => (await Message.countDocuments({ workspaceId: `T${run}`, needsTagging: true })) === 0, 240_000, 500);
    } catch (err) {
      step(`not all tagged: ${JSON.stringify(await counts())}; untagged ${await Message.countDocuments({ workspaceId: `T${run}`, needsTagging: true })}; worker log tail ${worker.out().slice(-1500)}`);
      throw err;
    }
    expect(worker.child.exitCode).toBeNull();

    const l = await ledger(`T${run}`);
    expect(l).toEqual({ messages: total, distinctMessageIds: total, untagged: 0, pending: 0, mismatches: [] });
    report('mongo-restart', { sent: total, downMs, failedDeliveries, redeliveredAsDuplicate: duplicateDeliveries, stored: l.messages, lost: total - l.distinctMessageIds, duplicates: l.messages - l.distinctMessageIds, counterMismatches: l.mismatches.length, workerRestarted: false });
  }, 600_000);
});
