// Shared pieces of the benchmarks: services, timing statistics, the table and the results file.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';

export interface Services {
  mongoUrl: string;
  redisUrl: string;
  stop(): void;
}

/** Uses MONGO_URL/REDIS_URL when given, else starts FerretDB (and Redis if needed) like the tests do. */
export function startServices(): Services {
  if (process.env.MONGO_URL && process.env.REDIS_URL) {
    return { mongoUrl: process.env.MONGO_URL, redisUrl: process.env.REDIS_URL, stop: () => undefined };
  }
  const out = execFileSync('bash', ['scripts/test-services.sh', 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  return {
    mongoUrl: process.env.MONGO_URL ?? vars.MONGO_URL!,
    redisUrl: process.env.REDIS_URL ?? vars.REDIS_URL!,
    stop: () => {
      if (vars.STARTED === '1') execFileSync('bash', ['scripts/test-services.sh', 'stop'], { stdio: 'inherit' });
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export interface Row {
  benchmark: string;
  size: number;
  unit: string;
  median: number;
  p95: number;
  baseline: string;
  baselineMedian: number;
  /** this / baseline (for rates: how much of the baseline's rate this reaches). */
  ratio: number;
  runs: number;
}

export function printTable(rows: Row[]): void {
  const head = ['benchmark', 'size', 'median', 'p95', 'unit', 'baseline', 'baseline median', 'ratio'];
  const body = rows.map((r) => [r.benchmark, String(r.size), fmt(r.median), fmt(r.p95), r.unit, r.baseline, fmt(r.baselineMedian), r.ratio.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

export function machine(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  const installed = (name: string): string => {
    const p = `node_modules/${name}/package.json`;
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : 'missing';
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    versions: Object.fromEntries(Object.keys(pkg.dependencies).map((d) => [d, installed(d)])),
  };
}

/** Merges this run's rows into bench/results.json (one entry per benchmark name). */
export function writeResults(section: string, data: Record<string, unknown>): void {
  const file = 'bench/results.json';
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  all.machine = machine();
  all[section] = { at: new Date().toISOString(), ...data };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/** A small deterministic PRNG (mulberry32) so generated data is the same for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
