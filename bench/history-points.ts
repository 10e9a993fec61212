// Runs bench/history.ts (the history engineer's `/history` and digest benchmark: its own seeded generator,
// bulk insert of documents shaped as the tag path writes them, fast vs naive answers checked equal) at one
// size in a child process, and turns its table into rows beside their naive-scan baselines.
import { spawn } from 'node:child_process';
import mongoose from 'mongoose';
import type { Row } from './lib.js';

export interface HistoryPointOptions {
  mongoUrl: string;
  messages: number;
  customers: number;
  samples: number;
  naiveSamples: number;
  timeoutMs: number;
  /** Share of conversations started in the digest's week (bench/history.ts --week-share). */
  weekShare?: number;
  digestSamples?: number;
  /** Re-measure a database kept by an earlier --load-only run of the same sizes (nothing inserted but the read models). */
  reuse?: string;
  /** Read-model layout (READ_MODEL_PARTITIONS). */
  partitions?: number;
}

export interface HistoryPoint {
  rows: Row[];
  log: string;
  peakRssMiB: number | null;
  seconds: number;
}

interface Line {
  samples: number;
  median: number;
  p95: number;
}

/**
 * The fast figures bench/history.ts prints before its naive scans start (`fast: /history median …`), with the
 * naive rows marked as not measured: what a point keeps when its naive scans outlast the time budget.
 */
export function fastOnlyRows(out: string, size: number, why: string): Row[] | null {
  const m = /fast: \/history median ([\d.]+) ms, p95 ([\d.]+) ms \((\d+)\); digest median ([\d.]+) ms, p95 ([\d.]+) ms \((\d+)\)/.exec(out);
  if (!m) return null;
  const week = /\((\d+) in \d{4}-W\d\d\)/.exec(out)?.[1];
  const load = /load average: ([\d. ]+) before timing, ([\d. ]+) after/.exec(out);
  why += load ? `; load average ${load[1]} before, ${load[2]} after` : '';
  // The naive /history samples end before the naive digest starts: kept when they finished.
  const n = /naive: \/history median ([\d.]+) ms, p95 ([\d.]+) ms \((\d+)\)/.exec(out);
  const history: Row = n
    ? { benchmark: '/history server time (lookup + summary)', size, unit: 'ms', median: Number(m[1]), p95: Number(m[2]), baseline: "naive scan of the customer's messages", baselineMedian: Number(n[1]), ratio: Number(m[1]) / Number(n[1]), runs: Number(m[3]), note: `naive p95 ${n[2]} ms over ${n[3]} sample(s), answers equal; target p95 ≤ 50 ms at 1M` }
    : { benchmark: '/history server time (lookup + summary)', size, unit: 'ms', median: Number(m[1]), p95: Number(m[2]), baseline: "naive scan of the customer's messages", baselineMedian: NaN, ratio: NaN, runs: Number(m[3]), note: `naive scan not measured: ${why}; target p95 ≤ 50 ms at 1M` };
  return [
    history,
    { benchmark: 'digest build (week)', size, unit: 'ms', median: Number(m[4]), p95: Number(m[5]), baseline: 'naive scan of the week', baselineMedian: NaN, ratio: NaN, runs: Number(m[6]), note: `${week ?? '?'} messages in the week; naive scan not measured: ${why}; target ≤ 1 s at 200k in the week` },
  ];
}

export function parseHistoryTable(out: string): { history?: Line; naiveHistory?: Line; digest?: Line & { weekMessages: number }; naiveDigest?: Line } {
  const row = (re: RegExp): (Line & { m: RegExpExecArray }) | undefined => {
    const m = re.exec(out);
    return m ? { samples: Number(m[m.length - 3]), median: Number(m[m.length - 2]), p95: Number(m[m.length - 1]), m } : undefined;
  };
  const num = String.raw`\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|`;
  const history = row(new RegExp(String.raw`\|\s*/history \(lookup \+ summary\), counters\s*` + num));
  const naiveHistory = row(new RegExp(String.raw`\|\s*/history \(lookup \+ summary\), naive scan\s*` + num));
  const digest = row(new RegExp(String.raw`\|\s*digest build \((\d+) msgs in week\), counters\s*` + num));
  const naiveDigest = row(new RegExp(String.raw`\|\s*digest build, naive scan\s*` + num));
  return { history, naiveHistory, digest: digest ? { ...digest, weekMessages: Number(digest.m[1]) } : undefined, naiveDigest };
}

/** The rows (fast path beside its naive baseline) of one bench/history.ts output. */
export function historyRows(out: string, size: number): Row[] {
  const t = parseHistoryTable(out);
  if (!t.history || !t.naiveHistory || !t.digest || !t.naiveDigest) throw new Error(`could not read bench/history.ts's table:\n${out}`);
  const load = /load average: ([\d. ]+) before timing, ([\d. ]+) after/.exec(out);
  const loadNote = load ? `; load average ${load[1]} before, ${load[2]} after` : '';
  return [
    {
      benchmark: '/history server time (lookup + summary)',
      size,
      unit: 'ms',
      median: t.history.median,
      p95: t.history.p95,
      baseline: "naive scan of the customer's messages",
      baselineMedian: t.naiveHistory.median,
      ratio: t.history.median / t.naiveHistory.median,
      runs: t.history.samples,
      note: `naive p95 ${t.naiveHistory.p95} ms over ${t.naiveHistory.samples} samples; target p95 ≤ 50 ms at 1M${loadNote}`,
    },
    {
      benchmark: 'digest build (week)',
      size,
      unit: 'ms',
      median: t.digest.median,
      p95: t.digest.p95,
      baseline: 'naive scan of the week',
      baselineMedian: t.naiveDigest.median,
      ratio: t.digest.median / t.naiveDigest.median,
      runs: t.digest.samples,
      note: `${t.digest.weekMessages} messages in the week; naive ${t.naiveDigest.samples} sample(s); target ≤ 1 s at 200k in the week${loadNote}`,
    },
  ];
}

export function historyPoint(opts: HistoryPointOptions): Promise<HistoryPoint> {
  const args = ['--import', 'tsx', 'bench/history.ts', '--messages', String(opts.messages), '--customers', String(opts.customers), '--samples', String(opts.samples), '--naive-samples', String(opts.naiveSamples)];
  if (opts.weekShare !== undefined) args.push('--week-share', String(opts.weekShare));
  if (opts.digestSamples !== undefined) args.push('--digest-samples', String(opts.digestSamples));
  if (opts.reuse) args.push('--reuse', opts.reuse);
  if (opts.partitions !== undefined) args.push('--partitions', String(opts.partitions));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // /usr/bin/time is not everywhere; the child's peak RSS comes from the kernel via its rusage instead.
    // A million generated messages need a few GB of heap.
    const heap = opts.messages >= 500_000 ? ['--max-old-space-size=9000'] : [];
    const child = spawn(process.execPath, [...heap, ...args], { env: { ...process.env, MONGO_URL: opts.mongoUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      // The fast path was timed before the naive scans began: keep it, with the baseline marked as not measured.
      const why = `still running after the ${Math.round(opts.timeoutMs / 1000)} s left in the time budget`;
      const rows = fastOnlyRows(out, opts.messages, why);
      void dropNamedDb(opts.mongoUrl, out).finally(() =>
        rows ? resolve({ rows, log: out, peakRssMiB: null, seconds: (performance.now() - started) / 1000 }) : reject(new Error(`bench/history.ts at ${opts.messages} messages did not finish in ${Math.round(opts.timeoutMs / 1000)} s; output so far:\n${out}`)),
      );
    }, opts.timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGTERM') return; // stopped by the timer above, which answers
      if (code !== 0) {
        // Killed or failed before its own clean-up: drop the database it named.
        void dropNamedDb(opts.mongoUrl, out).finally(() => reject(new Error(`bench/history.ts exited with ${code}:\n${out}`)));
        return;
      }
      let rows: Row[];
      try {
        rows = historyRows(out, opts.messages);
      } catch (err) {
        return reject(err);
      }
      resolve({ rows, log: out, peakRssMiB: null, seconds: (performance.now() - started) / 1000 });
    });
  });
}

async function dropNamedDb(mongoUrl: string, out: string): Promise<void> {
  const name = /; db (bench_history_[A-Za-z0-9_]+)/.exec(out)?.[1];
  if (!name) return;
  const conn = await mongoose.createConnection(mongoUrl, { dbName: name, serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    await conn.dropDatabase();
  } finally {
    await conn.close();
  }
}
