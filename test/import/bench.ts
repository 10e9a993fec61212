// Import speed on this machine: `npx tsx test/import/bench.ts [messages] [capture slice] [--compare]`
// (MONGO_URL, REDIS_URL as for tests; IMPORT_IN_FLIGHT, IMPORT_CHUNK override the writer's defaults).
// Writes a synthetic Slack export (day files) to a temporary folder, then in one run measures, each on an
// empty database: the bulk import (read → plan → insert → enqueue one tag-chunk job per chunk), the worker's
// expansion of those chunk jobs into one tag job per message (off the import's path, timed apart), a
// re-import of everything (all duplicates), plain insertMany of the same documents with the same indexes (the storage's ceiling), and
// capture one by one through CaptureService (on a slice). --compare also imports, alternately, with the
// writer's previous settings (every index as on MongoDB, one chunk at a time) and the current ones.
// Prints the load average and the import's peak RSS beside the figures.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { createTagChunkProcessor } from '../../jobs/tag.js';
import { CaptureService } from '../../src/capture/capture.js';
import { connectMongo, ensureIndexes, serverInfo } from '../../src/db/connection.js';
import { setupDocLocks } from '../../src/db/doc-lock.js';

import { runImport } from '../../src/import/run.js';
import { readSlackExport } from '../../src/import/slack-export.js';
import { openExport } from '../../src/import/source.js';
import { createLogger } from '../../src/logger.js';
import { QUEUE, Queues, workerConnection, type TagChunkJobData } from '../../src/queue.js';
import { syntheticExport } from './synthetic.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const compare = process.argv.includes('--compare');
const N = Number(args[0] ?? 20_000);
const CAPTURE_N = Math.min(N, Number(args[1] ?? 100));
const inFlight = process.env.IMPORT_IN_FLIGHT ? Number(process.env.IMPORT_IN_FLIGHT) : undefined;
const chunkSize = process.env.IMPORT_CHUNK ? Number(process.env.IMPORT_CHUNK) : undefined;
const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/sh';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger('error');
const prefix = `bench_import_${process.pid}`;

// A Slack export folder from the synthetic history.
const dir = await mkdtemp(join(tmpdir(), 'sh-bench-'));
// Starts far enough back that every message is in the past (capture rejects timestamps in the future).
const synth = syntheticExport({ seed: 1, messages: N, channels: ['C0BENCH001', 'C0BENCH002', 'C0BENCH003', 'C0BENCH004'], start: new Date(Date.now() - N * 20 * 60_000 - 86_400_000) });
const byFile = new Map<string, unknown[]>();
for (const { msg } of synth.records) {
  const file = `${msg.channelId.toLowerCase()}/${msg.ts.toISOString().slice(0, 10)}.json`;
  const list = byFile.get(file) ?? [];
  list.push({
    type: 'message',
    user: msg.author!.userId,
    text: msg.text,
    ts: msg.messageId,
    ...(msg.threadId ? { thread_ts: msg.threadId } : {}),
    team: 'T0BENCH01',
    ...(msg.editedAt ? { edited: { user: msg.author!.userId, ts: `${Math.floor(msg.editedAt.getTime() / 1000)}.000000` } } : {}),
  });
  byFile.set(file, list);
}
await writeFile(join(dir, 'channels.json'), JSON.stringify(['C0BENCH001', 'C0BENCH002', 'C0BENCH003', 'C0BENCH004'].map((id) => ({ id, name: id.toLowerCase() }))));
await writeFile(join(dir, 'users.json'), JSON.stringify([{ id: 'U0AGT0001', team_id: 'T0BENCH01', profile: { real_name: 'Agent' } }]));
for (const [file, items] of byFile) {
  await mkdir(join(dir, file.split('/')[0]!), { recursive: true });
  await writeFile(join(dir, file), JSON.stringify(items));
}

await connectMongo(mongoUrl, log, { dbName: `bench_import_${process.pid}` });
const release = await setupDocLocks({ redisUrl, prefix, log });
const queues = new Queues({ redisUrl, prefix, log });
const fresh = async (allIndexes = false): Promise<void> => {
  await mongoose.connection.dropDatabase();
  await ensureIndexes({ all: allIndexes });
  await queues.tag.obliterate({ force: true });
  await queues.tagChunk.obliterate({ force: true });
};
const opts = (capture: CaptureService) => ({
  capture,
  queues,
  log,
  conversationWindowMinutes: 30,
  maxMessageChars: 100_000,
  ...(inFlight ? { inFlight } : {}),
  ...(chunkSize ? { chunkSize } : {}),
});
// Peak resident memory while an import runs (sampled every 20 ms).
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mib = (b: number): number => Math.round(b / 2 ** 20);
const server = await serverInfo();
const loadBefore = loadavg();
const newCapture = (): CaptureService => new CaptureService({ queue: queues, log, maxMessageChars: 100_000 });
const rows: Array<[string, number, number]> = [];

try {
  await fresh();
  const readOpts = { channels: [], configuredChannels: [], agentUsers: ['U0AGT0001', 'U0AGT0002', 'U0AGT0003'] };
  let t = Date.now();
  peakRss = process.memoryUsage().rss;
  const content = await readSlackExport(await openExport(dir), readOpts);
  const bulk = await runImport(content, { ...opts(newCapture()), via: 'bulk' });
  if (bulk.rejections.length > 0) throw new Error(`bench data rejected: ${bulk.rejections[0]!.reason}`);
  rows.push([`bulk import (read files + plan + write + enqueue chunks), ${bulk.stored} stored`, bulk.read, Date.now() - t]);
  const importRss = peakRss;
  console.log('bulk import, ms per step:', JSON.stringify(bulk.timings));

  // What the worker does next, off the import's path: expand the chunk jobs into one tag job per message.
  t = Date.now();
  const expanderConnection = workerConnection(redisUrl);
  const expander = new Worker<TagChunkJobData>(QUEUE.tagChunk, createTagChunkProcessor(queues), { connection: expanderConnection, prefix, concurrency: 1 });
  for (;;) {
    const c = await queues.tagChunk.getJobCounts('waiting', 'active', 'delayed', 'failed');
    if (c.failed) throw new Error(`${c.failed} tag-chunk jobs failed`);
    if (!c.waiting && !c.active && !c.delayed) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await expander.close();
  expanderConnection.disconnect();
  const tagJobs = await queues.tag.count();
  if (tagJobs !== bulk.stored) throw new Error(`${tagJobs} tag jobs for ${bulk.stored} stored messages`);
  rows.push([`worker: expand the chunk jobs into ${tagJobs} tag jobs (not in the import)`, tagJobs, Date.now() - t]);

  t = Date.now();
  peakRss = process.memoryUsage().rss;
  const again = await runImport(await readSlackExport(await openExport(dir), readOpts), { ...opts(newCapture()), via: 'bulk' });
  if (again.stored !== 0) throw new Error(`re-import stored ${again.stored} messages again`);
  rows.push([`re-import (all ${again.duplicates} duplicates)`, again.read, Date.now() - t]);
  const reimportRss = peakRss;
  console.log('re-import, ms per step:', JSON.stringify(again.timings));

  // The ceiling: the same documents (as stored) written with insertMany into empty collections with the
  // indexes the stored collections have, so both pay the same index upkeep: the message documents one
  // insertMany at a time, then every document the import wrote (messages, conversations, customers) with
  // as many insertMany calls at a time as the importer.
  const db = mongoose.connection.db!;
  const written: Record<string, Array<Record<string, unknown>>> = {};
  for (const name of ['messages', 'conversations', 'customers']) written[name] = await db.collection(name).find({}).toArray();
  const baseline = async (names: string[], lanes: number, label: string): Promise<void> => {
    const jobs: Array<{ name: string; part: Array<Record<string, unknown>> }> = [];
    for (const name of names) {
      const target = `baseline_${lanes}_${name}`;
      for (const ix of await db.collection(name).listIndexes().toArray()) {
        if (ix.name !== '_id_') await db.collection(target).createIndex(ix.key, { name: ix.name, ...(ix.unique ? { unique: true } : {}) });
      }
      for (let i = 0; i < written[name]!.length; i += 1000) jobs.push({ name: target, part: written[name]!.slice(i, i + 1000) });
    }
    t = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          await db.collection(job.name).insertMany(job.part, { ordered: false });
        }
      }),
    );
    rows.push([label, written.messages!.length, Date.now() - t]);
  };
  await baseline(['messages'], 1, 'baseline: insertMany of the same message docs, 1 call at a time');
  const counts = `${written.messages!.length} + ${written.conversations!.length} + ${written.customers!.length}`;
  await baseline(['customers', 'conversations', 'messages'], inFlight ?? 3, `baseline: insertMany of all ${counts} docs, ${inFlight ?? 3} at a time`);

  if (compare) {
    // The writer's previous settings (every index, one chunk of 2,000 at a time) against the current ones,
    // alternately, each on an empty database: the machine's load drifts, so one pair proves little.
    for (let round = 1; round <= 2; round++) {
      for (const [label, all, o] of [
        ['previous settings: every index, 1 chunk of 2,000 at a time', true, { inFlight: 1, chunkSize: 2000 }],
        ['current settings', false, {}],
      ] as const) {
        await fresh(all);
        t = Date.now();
        const r = await runImport(await readSlackExport(await openExport(dir), readOpts), { ...opts(newCapture()), ...o, via: 'bulk' });
        rows.push([`bulk import, ${label} (round ${round})`, r.read, Date.now() - t]);
      }
    }
  }

  await fresh();
  const slice = { ...content, records: content.records.slice(0, CAPTURE_N) };
  t = Date.now();
  const one = await runImport(slice, { ...opts(newCapture()), via: 'capture' });
  rows.push([`capture one by one (CaptureService), first ${CAPTURE_N}`, one.read, Date.now() - t]);
  console.log(`peak RSS: import ${mib(importRss)} MiB, re-import ${mib(reimportRss)} MiB`);
} finally {
  clearInterval(sampler);
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await queues.tag.obliterate({ force: true }).catch(() => undefined);
  await queues.close();
  release();
  // Every key the run left under its own prefix (queue meta keys survive obliterate).
  const redis = new Redis(redisUrl);
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
  redis.disconnect();
  await mongoose.disconnect();
  await rm(dir, { recursive: true, force: true });
}
const info = `${server.ferretdb ? `FerretDB ${server.ferretdb}` : `MongoDB ${server.version}`}, ${N} messages, in flight ${inFlight ?? 3}`;
const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
console.log(`import benchmark (${info}); load average before ${load(loadBefore)}, after ${load(loadavg())}`);
for (const [what, n, ms] of rows) console.log(`${what.padEnd(66)} ${String(n).padStart(7)} msgs ${(ms / 1000).toFixed(2).padStart(7)} s ${String(Math.round((n * 1000) / ms)).padStart(7)} msg/s`);
