// Fault: Redis is unavailable for a while. Capture keeps storing messages in MongoDB (their tag jobs cannot
// be enqueued); once Redis is back the sweeper re-enqueues every untagged message and the worker tags each
// exactly once. Redis here is a private redis-server the test stops and starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureService } from '../../src/capture/capture.js';
import { sweepUntagged } from '../../src/counters/sweep.js';
import { Message } from '../../src/db/models.js';
import { loadTagger } from '../../src/nlp/tagger.js';
import { Queues } from '../../src/queue.js';
import { startWorkers, type WorkerHandle } from '../../jobs/worker.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';
import { OwnRedis } from '../helpers/servers.js';
import { ledger, report, streamEvent, until } from './harness.js';

let redis: OwnRedis;
let env: TestEnv;
let queues: Queues;
let worker: WorkerHandle;
let capture: CaptureService;

beforeAll(async () => {
  redis = await OwnRedis.start();
  env = { ...testEnv(import.meta.filename) };
  env.redisUrl = redis.url;
  await connectTestDb(env);
  queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  await queues.ready(); // as the app does before it takes events
  capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 100_000 });
  worker = await startWorkers({
    config: { redisUrl: env.redisUrl, queuePrefix: env.prefix, tagConcurrency: 4, timeZone: 'UTC' },
    log: env.log,
    queues,
    tagger: loadTagger(),
    schedule: false,
  });
});

afterAll(async () => {
  await worker?.close();
  await queues?.close();
  if (env) await cleanupTestEnv(env).catch(() => undefined);
  await redis?.down().catch(() => undefined);
});

describe('Redis unavailable for a while', () => {
  it('stores every message while Redis is down, then tags them all once after the sweep, counted once', async () => {
    const run = 'RD';
    const before = 5;
    const during = 20;
    const after = 5;
    for (let i = 0; i < before; i++) expect((await capture.capture(streamEvent(run, i, { agentsEvery: 7 }))).queued).toBe(true);
    await until('the first messages to be tagged', async () => (await Message.countDocuments({ workspaceId: `T${run}`, needsTagging: true })) === 0, 30_000);

    const downAt = Date.now();
    await redis.down();
    expect(await queues.ping()).toBe(false);
    const outcomes = [];
    for (let i = before; i < before + during; i++) outcomes.push(await capture.capture(streamEvent(run, i, { agentsEvery: 7 })));
    const captureMsWhileDown = Date.now() - downAt;
    // Stored, not queued: nothing thrown at the adapter, so the platform event is acknowledged.
    expect(outcomes.map((o) => o.status)).toEqual(Array(during).fill('stored'));
    expect(outcomes.every((o) => o.queued === false)).toBe(true);
    expect(await Message.countDocuments({ workspaceId: `T${run}` })).toBe(before + during);
    expect(await Message.countDocuments({ workspaceId: `T${run}`, needsTagging: true })).toBe(during);
    // A redelivery while Redis is down changes nothing either.
    expect((await capture.capture(streamEvent(run, before, { agentsEvery: 7 }))).status).toBe('duplicate');

    await redis.up();
    const upAt = Date.now();
    await until('the producer connection to reconnect', () => queues.ping(), 20_000);
    // Messages captured after Redis is back are queued directly again.
    for (let i = before + during; i < before + during + after; i++) expect((await capture.capture(streamEvent(run, i, { agentsEvery: 7 }))).queued).toBe(true);

    // The scheduled sweep, run twice (as two overlapping schedules would): job ids keep each message single.
    const first = await sweepUntagged(queues, env.log, { olderThanMs: 0 });
    const second = await sweepUntagged(queues, env.log, { olderThanMs: 0 });
    expect(first.found).toBeGreaterThanOrEqual(during);
    expect(second.found).toBeLessThanOrEqual(first.found);
    await until('every message to be tagged', async () => (await Message.countDocuments({ workspaceId: `T${run}`, needsTagging: true })) === 0, 180_000);
    const recoveredMs = Date.now() - upAt;

    const l = await ledger(`T${run}`);
    const total = before + during + after;
    expect(l).toEqual({ messages: total, distinctMessageIds: total, untagged: 0, pending: 0, mismatches: [] });
    // One tag job per message revision, whatever the sweeps and redeliveries enqueued.
    const jobs = await queues.tag.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
    const keys = jobs.map((j) => j.data.messageKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(await Message.countDocuments({ workspaceId: `T${run}`, tags: null })).toBe(0);
    report('redis-down', { sent: total, whileDown: during, stored: l.messages, lost: total - l.distinctMessageIds, duplicates: l.messages - l.distinctMessageIds, counterMismatches: l.mismatches.length, sweptFirst: first.found, sweptSecond: second.found, captureMsWhileDown, recoveredMs });
  }, 300_000);
});
