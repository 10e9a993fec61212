// Child processes of the end-to-end benchmark, so the bot and each worker are separate processes with their
// own peak RSS, as in production (`npm run bot`, `npm run worker`):
//
//   bot           generates the stream (bench/generate.ts), then on "go" captures it through CaptureService
//   empty-bot     on "go" enqueues the same number of empty jobs (the baseline's producer)
//   worker        the product's worker (jobs/worker.ts startWorkers: tag → tags, counters, projections)
//   empty-worker  a BullMQ Worker on the same queue whose processor does nothing (the baseline's consumer)
//
// Talks to the parent over IPC: sends {ready}, waits for {go}/{stop}, answers {done, ...figures, maxRssMiB}.
import { Queue, Worker } from 'bullmq';
import mongoose from 'mongoose';
import { CaptureService, type CaptureOutcome } from '../src/capture/capture.js';
import { connectMongo } from '../src/db/connection.js';
import { setupDocLocks } from '../src/db/doc-lock.js';
import { createLogger } from '../src/logger.js';
import { loadTagger } from '../src/nlp/tagger.js';
import { producerConnection, QUEUE, Queues, workerConnection } from '../src/queue.js';
import { startWorkers } from '../jobs/worker.js';
import { generateWorkspace } from './generate.js';

type Msg = { type: 'go' } | { type: 'stop' };

const argv = process.argv.slice(2);
const arg = (i: number): string => argv[i] ?? '';
const mode = arg(0);
const mongoUrl = arg(1);
const dbName = arg(2);
const redisUrl = arg(3);
const prefix = arg(4);
const nStr = arg(5);
const seedStr = arg(6);
const workspaceId = arg(7);
const concStr = arg(8);
const n = Number(nStr);
const concurrency = Number(concStr || '8');
const log = createLogger('silent');
const send = (m: Record<string, unknown>): Promise<void> => new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
// One listener for the whole life of the process, so a message sent before we wait for it is not lost.
const inbox: Msg[] = [];
const waiting: Array<(m: Msg) => void> = [];
process.on('message', (m) => {
  const w = waiting.shift();
  if (w) w(m as Msg);
  else inbox.push(m as Msg);
});
const next = (): Promise<Msg> => {
  const m = inbox.shift();
  return m ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve));
};

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

async function main(): Promise<void> {
  // Closing connections can leave the event loop empty for a moment; keep the process until main ends.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await body();
  } finally {
    clearInterval(keepAlive);
  }
}

async function body(): Promise<void> {
  if (mode === 'empty-worker' || mode === 'empty-bot') {
    if (mode === 'empty-worker') {
      const w = new Worker(QUEUE.tag, async () => undefined, { connection: workerConnection(redisUrl), prefix, concurrency: 4 });
      w.on('error', () => undefined);
      await w.waitUntilReady();
      await send({ type: 'ready' });
      await next(); // stop
      await send({ type: 'done', maxRssMiB: maxRssMiB() });
      await w.close();
    } else {
      const connection = producerConnection(redisUrl);
      const q = new Queue(QUEUE.tag, { connection, prefix });
      await q.waitUntilReady();
      await send({ type: 'ready' });
      await next(); // go
      const ids = Array.from({ length: n }, (_, i) => i);
      const t = performance.now();
      await pool(ids, concurrency, (i) => q.add('tag', {}, { jobId: `empty-${i}`, removeOnComplete: { count: 100_000 } }));
      await send({ type: 'done', jobs: n, ms: performance.now() - t, maxRssMiB: maxRssMiB() });
      await q.close();
      connection.disconnect();
    }
    return;
  }
  await connectMongo(mongoUrl, log, { dbName });
  const release = await setupDocLocks({ redisUrl, prefix, log });
  const queues = new Queues({ redisUrl, prefix, log });
  if (mode === 'worker') {
    const handle = await startWorkers({ config: { redisUrl, queuePrefix: prefix, tagConcurrency: 4, timeZone: 'UTC' }, log, queues, tagger: loadTagger(), schedule: false });
    for (const w of handle.workers) await w.waitUntilReady();
    await send({ type: 'ready' });
    await next(); // stop
    await send({ type: 'done', maxRssMiB: maxRssMiB() });
    await handle.close();
  } else {
    const stream = generateWorkspace({ messages: n, seed: Number(seedStr), workspaceId });
    const capture = new CaptureService({ queue: queues, log, conversationWindowMinutes: 30, maxMessageChars: 100_000 });
    await send({ type: 'ready', counts: stream.counts, events: stream.events.length });
    await next(); // go
    const outcomes: CaptureOutcome[] = [];
    const t = performance.now();
    // Events of one channel keep their order (an adapter delivers a channel in order); channels run side by side.
    await pool(stream.events, concurrency, async (ev) => outcomes.push(await capture.capture(ev)));
    const ms = performance.now() - t;
    const jobs = outcomes.filter((o) => o.status === 'stored' || o.status === 'edited' || o.status === 'deleted').length;
    const statuses: Record<string, number> = {};
    for (const o of outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    await send({ type: 'done', jobs, ms, statuses, maxRssMiB: maxRssMiB() });
  }
  await queues.close();
  release();
  await mongoose.disconnect();
}

if (process.env.BENCH_VERBOSE === '1') process.on('exit', (code) => console.error(`[${mode} ${process.pid}] exit ${code}`));
main().then(
  () => process.exit(0),
  (err: Error) => {
    void send({ type: 'error', message: err.stack ?? err.message }).then(() => process.exit(1));
  },
);
