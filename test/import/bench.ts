// Import speed on this machine: `npx tsx test/import/bench.ts [messages]` (MONGO_URL, REDIS_URL as for tests).
// Writes a synthetic Slack export (day files) to a temporary folder, then in one run measures, each on an
// empty database: the bulk import (read → plan → insert → enqueue), a plain insertMany of the same number of
// message documents (the storage's ceiling), capture one by one through CaptureService (on a slice), and a
// re-import of everything (all duplicates).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { CaptureService } from '../../src/capture/capture.js';
import { connectMongo, ensureIndexes } from '../../src/db/connection.js';
import { setupDocLocks } from '../../src/db/doc-lock.js';

import { Message } from '../../src/db/models.js';
import { runImport } from '../../src/import/run.js';
import { readSlackExport } from '../../src/import/slack-export.js';
import { openExport } from '../../src/import/source.js';
import { createLogger } from '../../src/logger.js';
import { Queues } from '../../src/queue.js';
import { syntheticExport } from './synthetic.js';

const N = Number(process.argv[2] ?? 20_000);
const CAPTURE_N = Math.min(N, Number(process.argv[3] ?? 100));
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
const fresh = async (): Promise<void> => {
  await mongoose.connection.dropDatabase();
  await ensureIndexes();
  await queues.tag.obliterate({ force: true });
};
const opts = (capture: CaptureService) => ({ capture, queues, log, conversationWindowMinutes: 30, maxMessageChars: 100_000 });
const newCapture = (): CaptureService => new CaptureService({ queue: queues, log, conversationWindowMinutes: 30, maxMessageChars: 100_000 });
const rows: Array<[string, number, number]> = [];

try {
  await fresh();
  let t = Date.now();
  const content = await readSlackExport(await openExport(dir), { channels: [], configuredChannels: [], agentUsers: ['U0AGT0001', 'U0AGT0002', 'U0AGT0003'] });
  const bulk = await runImport(content, { ...opts(newCapture()), via: 'bulk' });
  if (bulk.rejections.length > 0) throw new Error(`bench data rejected: ${bulk.rejections[0]!.reason}`);
  rows.push([`bulk import (read files + plan + write + enqueue), ${bulk.stored} stored`, bulk.read, Date.now() - t]);
  console.log('bulk import, ms per step:', JSON.stringify(bulk.timings));

  t = Date.now();
  const again = await runImport(await readSlackExport(await openExport(dir), { channels: [], configuredChannels: [], agentUsers: ['U0AGT0001'] }), { ...opts(newCapture()), via: 'bulk' });
  rows.push([`re-import (all ${again.duplicates} duplicates)`, again.read, Date.now() - t]);
  console.log('re-import, ms per step:', JSON.stringify(again.timings));

  // The ceiling: the same message documents (as stored) written with insertMany into an empty collection.
  const docs = await mongoose.connection.db!.collection('messages').find({}).toArray();
  // With the same indexes as the messages collection, so both pay the same index upkeep.
  for (const [keys, options] of Message.schema.indexes()) await mongoose.connection.db!.collection('baseline').createIndex(keys as never, options as never);
  t = Date.now();
  for (let i = 0; i < docs.length; i += 2000) await mongoose.connection.db!.collection('baseline').insertMany(docs.slice(i, i + 2000), { ordered: false });
  rows.push(['baseline: insertMany of the same message documents (same indexes)', docs.length, Date.now() - t]);

  await fresh();
  const slice = { ...content, records: content.records.slice(0, CAPTURE_N) };
  t = Date.now();
  const one = await runImport(slice, { ...opts(newCapture()), via: 'capture' });
  rows.push([`capture one by one (CaptureService), first ${CAPTURE_N}`, one.read, Date.now() - t]);
} finally {
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await queues.tag.obliterate({ force: true }).catch(() => undefined);
  await queues.close();
  release();
  await mongoose.disconnect();
  await rm(dir, { recursive: true, force: true });
}
const info = `${process.env.MONGO_URL ? 'MONGO_URL' : 'FerretDB on 127.0.0.1:27018'}, ${N} messages`;
console.log(`import benchmark (${info})`);
for (const [what, n, ms] of rows) console.log(`${what.padEnd(66)} ${String(n).padStart(7)} msgs ${(ms / 1000).toFixed(2).padStart(7)} s ${String(Math.round((n * 1000) / ms)).padStart(7)} msg/s`);
