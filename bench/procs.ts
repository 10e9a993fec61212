// Child processes of the end-to-end benchmark, so the bot and each worker are separate processes with their
// own peak RSS, as in production (`npm run bot`, `npm run worker`):
//
//   bot           generates the workspace (bench/generate.ts) as Slack events, then on "go" captures them through
//                 the Slack adapter's capture handler and CaptureService (bench/slack.ts)
//   empty-bot     on "go" enqueues as many empty jobs as "go" says (the baseline's producer)
//   worker        the product's worker (jobs/worker.ts startWorkers: tag → tags, counters, projections)
//   empty-worker  a BullMQ Worker on the same queue whose processor does nothing (the baseline's consumer)
//
// Talks to the parent over IPC: sends {ready}, waits for {go}/{stop}, answers {done, ...figures, maxRssMiB}.
// Each mode loads only the modules its production counterpart loads (the empty-job processes: BullMQ and the
// queue's connection settings; the bot: capture and the Slack adapter; the worker: jobs/worker.ts and the
// tagger), so a process is ready sooner and its peak RSS is its own.
import type { HandleResult } from '../adapters/slack/capture-handler.js';
import type { Logger } from '../src/logger.js';

type Msg = { type: 'go'; jobs?: number } | { type: 'stop' };

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
const logLevel = process.env.BENCH_VERBOSE === '1' ? 'warn' : 'silent';
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
    const { Queue, Worker } = await import('bullmq');
    const { producerConnection, QUEUE, workerConnection } = await import('../src/queue.js');
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
      const go = await next();
      const jobs = (go.type === 'go' ? go.jobs : undefined) ?? n;
      const ids = Array.from({ length: jobs }, (_, i) => i);
      const t = performance.now();
      await pool(ids, concurrency, (i) => q.add('tag', {}, { jobId: `empty-${i}`, removeOnComplete: { count: 100_000 } }));
      await send({ type: 'done', jobs, ms: performance.now() - t, maxRssMiB: maxRssMiB() });
      await q.close();
      connection.disconnect();
    }
    return;
  }
  const [{ default: mongoose }, { connectMongo }, { setupDocLocks }, { createLogger }, { Queues }] = await Promise.all([
    import('mongoose'),
    import('../src/db/connection.js'),
    import('../src/db/doc-lock.js'),
    import('../src/logger.js'),
    import('../src/queue.js'),
  ]);
  const log: Logger = createLogger(logLevel);
  await connectMongo(mongoUrl, log, { dbName });
  const release = await setupDocLocks({ redisUrl, prefix, log });
  const queues = new Queues({ redisUrl, prefix, log });
  if (mode === 'worker') {
    const [{ startWorkers }, { loadTagger }] = await Promise.all([import('../jobs/worker.js'), import('../src/nlp/tagger.js')]);
    const handle = await startWorkers({ config: { redisUrl, queuePrefix: prefix, tagConcurrency: 4, timeZone: 'UTC' }, log, queues, tagger: loadTagger(), schedule: false });
    for (const w of handle.workers) await w.waitUntilReady();
    await send({ type: 'ready' });
    await next(); // stop
    await send({ type: 'done', maxRssMiB: maxRssMiB() });
    await handle.close();
  } else {
    const [{ CaptureService }, { generateWorkspace, slackWorkspace }, { assertAllCaptured, jobsOf, slackCapture, tally }] = await Promise.all([
      import('../src/capture/capture.js'),
      import('./generate.js'),
      import('./slack.js'),
    ]);
    const stream = generateWorkspace({ messages: n, seed: Number(seedStr), workspaceId });
    const slack = slackWorkspace(stream);
    const capture = new CaptureService({ queue: queues, log, maxMessageChars: 100_000 });
    const handler = slackCapture(slack, capture, log);
    await send({ type: 'ready', counts: stream.counts, events: slack.events.length });
    await next(); // go
    const results: HandleResult[] = [];
    const t = performance.now();
    // Several deliveries at once, in stream order (an edit may overtake its message, as with Slack's retries).
    await pool(slack.events, concurrency, async (ev) => results.push(await handler.handle(ev)));
    const ms = performance.now() - t;
    assertAllCaptured(results);
    const jobs = jobsOf(results);
    const statuses = tally(results);
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
