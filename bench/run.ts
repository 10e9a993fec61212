// `npm run bench` (full) or `npm run bench -- --quick`: runs every benchmark against the same FerretDB and
// Redis the tests use, prints a table and writes bench/results.json.
//
//   --quick               small sizes and a time budget, for routine checks: the whole command, starting FerretDB
//                         included, ends within two minutes (a step that would not fit is skipped and listed);
//                         its figures go to the quick_* sections of bench/results.json, never over a full run's
//   --sizes 10000,100000  message counts for /history and the digest (full default: 10k, 100k, 1M; quick: 2,000)
//   --e2e-messages N      messages per end-to-end run (full default 200)
//   --capture-messages N  messages per capture run (full default 200)
//   --burst-events N      signed Slack events in the burst into `npm start` (full default 1,000; quick 150)
//   --runs N              runs per figure (full default 3)
//   --budget-minutes N    full run's time budget (default 150: the 1M /history point alone inserts ~5.6 GB into
//                         FerretDB, about 35 minutes on this machine, and its naive scans take minutes each)
import os from 'node:os';
import mongoose from 'mongoose';
import { benchSlackBurst } from './burst.js';
import { benchCapture } from './capture.js';
import { benchE2e } from './e2e.js';
import { TEXT_SOURCES } from './generate.js';
import { historyPoint } from './history-points.js';
import { growth, printGrowth, printTable, startServices, writeResults, type Row } from './lib.js';
import { benchTagging } from './tagging.js';

const quick = process.argv.includes('--quick');
const seed = 20261125;
const opt = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string, dflt: number): number => (opt(name) !== undefined ? Number(opt(name)) : dflt);
const runs = num('runs', quick ? 3 : 3);
// Quick: /history and the digest at 2,000 messages. Their bench creates the 512 partitioned read-model
// collections whatever the size (≈10–25 s on FerretDB) and its naive digest scans every message once
// (≈30 s at 10k on a loaded machine), so 10k does not fit beside the rest in two minutes.
const sizes = (opt('sizes') ?? (quick ? '2000' : '10000,100000,1000000')).split(',').map(Number);
const started = Date.now();
/** Share of conversations started in the digest's week in the /history points (≈ 25% of messages: 256k of 1M). */
const WEEK_SHARE = 0.208;
// The quick run must end within two minutes: nothing new starts after this (process start, before `started`,
// and stopping the services take a few seconds more).
const budgetEnd = quick ? started + 95_000 : started + num('budget-minutes', 150) * 60_000;
/** Sections of bench/results.json: a quick run's never replace a full run's. */
const section = (name: string): string => (quick ? `quick_${name}` : name);
const left = (): number => budgetEnd - Date.now();

const services = startServices();
const rows: Row[] = [];
const skipped: Array<{ step: string; reason: string }> = [];
const load = () => os.loadavg().map((x) => +x.toFixed(2));
const loadAtStart = load();

async function serverVersion(url: string): Promise<string> {
  const conn = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const info = (await conn.db!.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
    return info.ferretdbVersion ? `FerretDB ${info.ferretdbVersion} (MongoDB ${info.version} wire)` : `MongoDB ${info.version}`;
  } finally {
    await conn.close();
  }
}
const server = `${await serverVersion(services.mongoUrl).catch((err: Error) => `unknown (${err.message})`)}${services.backend ? `, ${services.backend} storage` : ''}`;

async function step(name: string, minMs: number, fn: () => Promise<void> | void): Promise<void> {
  if (left() < minMs) {
    skipped.push({ step: name, reason: `not started: ${Math.max(0, Math.round(left() / 1000))} s of the time budget left` });
    return;
  }
  const t = Date.now();
  try {
    await fn();
  } catch (err) {
    skipped.push({ step: name, reason: `failed: ${(err as Error).message.split('\n')[0]}` });
  }
  if (!quick || process.env.BENCH_VERBOSE === '1') console.error(`[bench] ${name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

try {
  await step('tagging', 0, () => {
    const r = benchTagging({ messages: quick ? 600 : 3_000, seed, runs: quick ? 3 : 5, minMs: quick ? 250 : 1_000 });
    rows.push(...r.rows);
    writeResults(section('tagging'), { seed, quick, rows: r.rows, raw: r.raw });
  });
  for (const concurrency of [1, 8]) {
    await step(`capture c${concurrency}`, 10_000, async () => {
      const messages = num('capture-messages', quick ? 25 : 200);
      const capture = await benchCapture({ mongoUrl: services.mongoUrl, redisUrl: services.redisUrl, messages, runs, seed, concurrency, deadline: quick ? Date.now() + 12_000 : budgetEnd });
      rows.push(...capture.rows);
      writeResults(section(`capture_c${concurrency}`), { seed, quick, rows: capture.rows, raw: capture.raw });
    });
  }
  for (const workers of [1, 2]) {
    // An end-to-end step starts seven processes: ≈20–30 s on a loaded machine even with 20 messages.
    await step(`end to end, ${workers} worker(s)`, quick ? 30_000 : 15_000, async () => {
      const messages = num('e2e-messages', quick ? 20 : 200);
      const r = await benchE2e({ mongoUrl: services.mongoUrl, redisUrl: services.redisUrl, messages, runs: quick ? 1 : runs, seed, workers, timeoutMs: quick ? Math.max(5_000, left()) : Math.max(30_000, left()), deadline: budgetEnd, ...(quick ? { readyBy: budgetEnd } : {}) });
      rows.push(...r.rows);
      writeResults(section(`e2e_w${workers}`), { seed, quick, rows: r.rows, raw: r.raw });
    });
  }
  // Issue 20's first target: a burst of signed Slack events, 32 in flight, into `npm start` in HTTP mode (bench/burst.ts).
  await step('Slack burst into npm start', quick ? 25_000 : 60_000, async () => {
    const r = await benchSlackBurst({ mongoUrl: services.mongoUrl, redisUrl: services.redisUrl, events: num('burst-events', quick ? 150 : 1_000), inFlight: 32, seed, timeoutMs: Math.max(30_000, left()), ...(quick ? { readyBy: budgetEnd } : {}) });
    rows.push(...r.rows);
    writeResults(section('slack_burst'), { quick, rows: r.rows, ...r.raw });
  });
  const points: Record<string, unknown> = {};
  for (const size of sizes) {
    await step(`/history + digest at ${size}`, quick ? 30_000 : 60_000, async () => {
      const p = await historyPoint({
        mongoUrl: services.mongoUrl,
        messages: size,
        customers: Math.max(100, Math.round(size / 20)),
        samples: quick ? 20 : 200,
        // A naive /history or digest at 1M messages scans the whole collection (minutes each).
        naiveSamples: quick || size >= 1_000_000 ? 1 : 3,
        digestSamples: quick ? 3 : 20,
        weekShare: WEEK_SHARE,
        // The layout that suits the server (README, Design notes): 256 collections per read model on FerretDB's
        // SQLite storage, one elsewhere; READ_MODEL_PARTITIONS overrides.
        partitions: Number(process.env.READ_MODEL_PARTITIONS ?? (services.backend === 'sqlite' ? 256 : 1)),
        timeoutMs: Math.max(10_000, left()),
      });
      rows.push(...p.rows);
      points[String(size)] = { rows: p.rows, seconds: p.seconds, log: p.log };
      writeResults(section('history'), {
        generator: `bench/history.ts (its own seeded generator, customers = messages / 20, 35 days, ${WEEK_SHARE} of conversations started in the digest's week besides the even spread: about a quarter of the messages, 256k at 1M)`,
        quick,
        points,
        growth: growth(rows.filter((r) => r.benchmark.startsWith('/history') || r.benchmark.startsWith('digest'))),
      });
    });
  }
  printTable(rows);
  const g = growth(rows.filter((r) => r.unit === 'ms'));
  printGrowth(g);
  if (skipped.length) {
    console.log('\nnot measured in this run:');
    for (const s of skipped) console.log(`  ${s.step}: ${s.reason}`);
  }
  const loadAtEnd = load();
  writeResults(section('suite'), {
    command: `npm run bench${quick ? ' -- --quick' : ''} ${process.argv.slice(2).filter((a) => a !== '--quick').join(' ')}`.trim(),
    seed,
    quick,
    seconds: (Date.now() - started) / 1000,
    generator: `bench/generate.ts, seed ${seed}: capture and end to end replay its workspace as Slack events (threads, edits, deletes) through the Slack adapter's capture handler, every run the same stream under a workspace id of its own; tagging uses its customer texts`,
    texts: `${TEXT_SOURCES.join(', ')}: the repository's copies of ../shared/data (bitext-train.csv unchanged; the training half of the vader-*.tsv sets; CLINC150 rows with no support need)`,
    mongoUrl: services.mongoUrl.replace(/\/\/[^@]*@/, '//'),
    server,
    loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd, cpus: os.cpus().length },
    rows,
    growth: g,
    skipped,
  });
  console.log(`\nserver ${server}; load average ${loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end on ${os.cpus().length} cores; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log('results written to bench/results.json');
} finally {
  services.stop();
}
// Connections of the finished benchmarks (BullMQ, ioredis) must not keep the process waiting.
process.exit(0);
