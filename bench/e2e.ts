// End to end: Slack events (bench/generate.ts's workspace: threads, edits, deletes) captured by a bot process
// through the Slack adapter's capture handler → tag jobs → 1 or 2 worker processes writing tags, counters
// and projections, timed until the last job is done and no message is left untagged. Baseline in the same
// run: BullMQ moving the same number of empty jobs from one producer process to as many empty workers.
// Also reports each process's peak RSS (bot during capture, workers during the run).
import { fork, type ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { connectMongo, ensureIndexes } from '../src/db/connection.js';
import { Message } from '../src/db/models.js';
import { createLogger } from '../src/logger.js';
import { producerConnection, QUEUE } from '../src/queue.js';
import { median, percentile, type Row } from './lib.js';

export interface E2eOptions {
  mongoUrl: string;
  redisUrl: string;
  messages: number;
  runs: number;
  seed: number;
  workers: number;
  /** Give up on a run after this long. */
  timeoutMs?: number;
  /** Start no further run after this time (ms since the epoch); at least one run is made. */
  deadline?: number;
  /**
   * The quick run's budget (ms since the epoch): give up when the processes are not all ready by then, and when
   * a run that started is not done 10 s after it.
   */
  readyBy?: number;
}

/** How long to wait for the processes to say they are ready. */
const readyWait = (opts: E2eOptions): number => (opts.readyBy ? Math.max(1_000, opts.readyBy - Date.now()) : 120_000);
/** How long to wait for a timed part: the run's timeout, cut at 10 s past the quick run's budget. */
const runWait = (opts: E2eOptions): number => {
  const t = opts.timeoutMs ?? 300_000;
  return opts.readyBy ? Math.min(t, Math.max(1_000, opts.readyBy + 10_000 - Date.now())) : t;
};

const verbose = process.env.BENCH_VERBOSE === '1';
const note = (s: string): void => {
  if (verbose) console.error(`[e2e ${new Date().toISOString().slice(11, 19)}] ${s}`);
};

interface Child {
  proc: ChildProcess;
  inbox: Array<Record<string, unknown>>;
  waiters: Array<(m: Record<string, unknown>) => void>;
}

function spawn(args: string[]): Child {
  const proc = fork('bench/procs.ts', args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const c: Child = { proc, inbox: [], waiters: [] };
  proc.on('exit', (code) => note(`${args[0]} ${proc.pid} exited ${code}`));
  proc.on('message', (m) => {
    const msg = m as Record<string, unknown>;
    note(`${args[0]} ${proc.pid} says ${String(msg.type)}`);
    const w = c.waiters.shift();
    if (w) w(msg);
    else c.inbox.push(msg);
  });
  return c;
}

function receive(c: Child, timeoutMs: number): Promise<Record<string, unknown>> {
  const queued = c.inbox.shift();
  if (queued) return Promise.resolve(check(queued));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child process did not answer in time')), timeoutMs);
    let answered = false;
    // IPC messages can arrive just after 'exit': give them a moment before calling it a failure.
    const onExit = (code: number | null) => setTimeout(() => answered || reject(new Error(`child process exited (${code}) before answering`)), 1000);
    c.proc.once('exit', onExit);
    c.waiters.push((m) => {
      answered = true;
      clearTimeout(timer);
      c.proc.off('exit', onExit);
      try {
        resolve(check(m));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

function check(m: Record<string, unknown>): Record<string, unknown> {
  if (m.type === 'error') throw new Error(`child process failed: ${String(m.message)}`);
  return m;
}

async function waitForJobs(q: Queue, jobs: number, deadline: number): Promise<{ completed: number; failed: number }> {
  let shown = Date.now();
  for (;;) {
    const c = await q.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
    if (Date.now() - shown > 5000) {
      shown = Date.now();
      note(`jobs ${JSON.stringify(c)} of ${jobs}`);
    }
    if ((c.completed ?? 0) + (c.failed ?? 0) >= jobs) return { completed: c.completed ?? 0, failed: c.failed ?? 0 };
    if (Date.now() > deadline) {
      // Jobs waiting in `delayed` are being retried: say why they failed.
      const [retried] = await q.getJobs(['delayed', 'failed'], 0, 0);
      const why = retried?.failedReason ? `; ${c.delayed ?? 0} retrying, last error: ${retried.failedReason.split('\n')[0]}` : '';
      throw new Error(`only ${c.completed} of ${jobs} jobs done before the deadline${why}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function cleanRedis(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

interface RunResult {
  rate: number;
  events: number;
  jobs: number;
  botRss: number;
  workerRss: number[];
  failed: number;
  statuses?: Record<string, number>;
  counts?: Record<string, number>;
}

/** The baseline's processes, started beside the product's so both start-ups are over before either is timed. */
interface EmptyProcs {
  prefix: string;
  workers: Child[];
  bot: Child;
  ready: Promise<unknown>;
}

function spawnEmpty(opts: E2eOptions, run: number): EmptyProcs {
  const prefix = `bench_e2e_empty_${Date.now().toString(36)}${run}`;
  const workers = Array.from({ length: opts.workers }, () => spawn(['empty-worker', '-', '-', opts.redisUrl, prefix, '0', '0', '-']));
  // The number of jobs comes with "go": the product's run says how many it moved.
  const bot = spawn(['empty-bot', '-', '-', opts.redisUrl, prefix, '0', '0', '-', '8']);
  const ready = Promise.all([...workers, bot].map((c) => receive(c, readyWait(opts))));
  ready.catch(() => undefined); // awaited by the product's run; a failure there is reported from it
  return { prefix, workers, bot, ready };
}

async function runProduct(opts: E2eOptions, run: number, alsoReady: Promise<unknown>): Promise<RunResult> {
  const id = `${Date.now().toString(36)}${run}`;
  const dbName = `bench_e2e_${id}`;
  const prefix = `bench_e2e_${id}`;
  await connectMongo(opts.mongoUrl, createLogger('silent'), { dbName });
  await ensureIndexes();
  const conn = producerConnection(opts.redisUrl);
  const q = new Queue(QUEUE.tag, { connection: conn, prefix });
  const children: Child[] = [];
  try {
    const workers = Array.from({ length: opts.workers }, () => spawn(['worker', opts.mongoUrl, dbName, opts.redisUrl, prefix, '0', '0', '-']));
    const bot = spawn(['bot', opts.mongoUrl, dbName, opts.redisUrl, prefix, String(opts.messages), String(opts.seed), `TE2E${id}`, '8']);
    children.push(...workers, bot);
    const readies = await Promise.all(children.map((c) => receive(c, readyWait(opts))));
    const ready = readies[readies.length - 1]!;
    await alsoReady;
    note(`product run ${run}: ${opts.workers} workers and the bot ready (and the baseline's processes), ${String(ready.events)} events`);
    const t0 = performance.now();
    bot.proc.send({ type: 'go' });
    const done = await receive(bot, runWait(opts));
    const jobs = done.jobs as number;
    note(`product run ${run}: captured in ${Math.round(done.ms as number)} ms, ${jobs} jobs`);
    const { failed } = await waitForJobs(q, jobs, Date.now() + runWait(opts));
    // Tags and counters written: no message is left waiting for its tag job.
    const taggedBy = Date.now() + runWait(opts);
    for (;;) {
      const left = await Message.countDocuments({ needsTagging: true });
      if (left === 0) break;
      if (failed > 0) throw new Error(`${failed} tag jobs failed and ${left} messages are untagged`);
      if (Date.now() > taggedBy) throw new Error(`every tag job is done but ${left} messages are still untagged`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - t0;
    note(`product run ${run}: tagged in ${Math.round(ms)} ms from go`);
    for (const w of workers) w.proc.send({ type: 'stop' });
    const stopped = await Promise.all(workers.map((w) => receive(w, 60_000)));
    return {
      rate: (ready.events as number) / (ms / 1000),
      events: ready.events as number,
      jobs,
      failed,
      botRss: done.maxRssMiB as number,
      workerRss: stopped.map((s) => s.maxRssMiB as number),
      statuses: done.statuses as Record<string, number>,
      counts: ready.counts as Record<string, number>,
    };
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill();
    await q.close();
    conn.disconnect();
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
    await cleanRedis(opts.redisUrl, prefix);
    note(`product run ${run}: cleaned up`);
  }
}

async function runEmpty(opts: E2eOptions, run: number, jobs: number, procs: EmptyProcs): Promise<RunResult> {
  const { prefix, workers, bot } = procs;
  const conn = producerConnection(opts.redisUrl);
  const q = new Queue(QUEUE.tag, { connection: conn, prefix });
  try {
    await procs.ready;
    const t0 = performance.now();
    bot.proc.send({ type: 'go', jobs });
    const done = await receive(bot, runWait(opts));
    const { failed } = await waitForJobs(q, jobs, Date.now() + runWait(opts));
    const ms = performance.now() - t0;
    note(`empty run ${run}: ${jobs} jobs in ${Math.round(ms)} ms`);
    for (const w of workers) w.proc.send({ type: 'stop' });
    const stopped = await Promise.all(workers.map((w) => receive(w, 60_000)));
    return { rate: jobs / (ms / 1000), events: jobs, jobs, failed, botRss: done.maxRssMiB as number, workerRss: stopped.map((s) => s.maxRssMiB as number) };
  } finally {
    await q.close();
    conn.disconnect();
  }
}

export async function benchE2e(opts: E2eOptions): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  const product: RunResult[] = [];
  const empty: RunResult[] = [];
  for (let run = 0; run < opts.runs && (run === 0 || !opts.deadline || Date.now() < opts.deadline); run++) {
    const procs = spawnEmpty(opts, run);
    try {
      const p = await runProduct(opts, run, procs.ready);
      product.push(p);
      // The same number of jobs as the product's run moved (one per stored message, edit and delete).
      empty.push(await runEmpty(opts, run, p.jobs, procs));
    } finally {
      for (const c of [...procs.workers, procs.bot]) if (c.proc.exitCode === null) c.proc.kill();
      await cleanRedis(opts.redisUrl, procs.prefix);
    }
  }
  const w = opts.workers;
  const rates = product.map((p) => p.rate);
  const base = empty.map((e) => e.rate);
  const botRss = product.map((p) => p.botRss);
  const workerRss = product.map((p) => Math.max(...p.workerRss));
  const emptyBotRss = empty.map((e) => e.botRss);
  const emptyWorkerRss = empty.map((e) => Math.max(...e.workerRss));
  const size = product[0]!.events;
  const c = product[0]!.counts ?? {};
  const note = `${size} Slack events (messages ${c.messages}, threads ${c.threads}, edits ${c.edits}, deletes ${c.deletes}; seed ${opts.seed}) → ${product[0]!.jobs} tag jobs; baseline moves as many empty jobs (jobs/s)`;
  const rows: Row[] = [
    {
      benchmark: `end to end (capture → tags + counters), ${w} worker process${w > 1 ? 'es' : ''}`,
      size,
      unit: 'msg/s',
      median: median(rates),
      p95: percentile(rates, 5),
      baseline: `BullMQ, same number of empty jobs, ${w} worker${w > 1 ? 's' : ''}`,
      baselineMedian: median(base),
      ratio: median(rates) / median(base),
      runs: product.length,
      note,
    },
    {
      benchmark: `peak RSS, bot capturing (e2e, ${w} worker${w > 1 ? 's' : ''})`,
      size,
      unit: 'MiB',
      median: median(botRss),
      p95: percentile(botRss, 95),
      baseline: 'producer of empty jobs',
      baselineMedian: median(emptyBotRss),
      ratio: median(botRss) / median(emptyBotRss),
      runs: product.length,
    },
    {
      benchmark: `peak RSS, worker (e2e, largest of ${w})`,
      size,
      unit: 'MiB',
      median: median(workerRss),
      p95: percentile(workerRss, 95),
      baseline: 'empty-job worker',
      baselineMedian: median(emptyWorkerRss),
      ratio: median(workerRss) / median(emptyWorkerRss),
      runs: product.length,
    },
  ];
  return { rows, raw: { seed: opts.seed, product, empty } };
}
