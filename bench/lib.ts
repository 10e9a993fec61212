// Shared pieces of the benchmarks: services, timing statistics, the table and the results file.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';

export interface Services {
  mongoUrl: string;
  redisUrl: string;
  /** FerretDB's storage when the bench started it (postgresql, sqlite), else FERRETDB_BACKEND or null. */
  backend: string | null;
  stop(): void;
}

/** Uses MONGO_URL/REDIS_URL when given, else starts FerretDB (and Redis if needed) like the tests do. */
export function startServices(): Services {
  if (process.env.MONGO_URL && process.env.REDIS_URL) {
    return { mongoUrl: process.env.MONGO_URL, redisUrl: process.env.REDIS_URL, backend: process.env.FERRETDB_BACKEND ?? null, stop: () => undefined };
  }
  const out = execFileSync('bash', ['scripts/test-services.sh', 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  return {
    mongoUrl: process.env.MONGO_URL ?? vars.MONGO_URL!,
    redisUrl: process.env.REDIS_URL ?? vars.REDIS_URL!,
    backend: vars.FERRETDB_BACKEND && vars.FERRETDB_BACKEND !== 'unknown' ? vars.FERRETDB_BACKEND : (process.env.FERRETDB_BACKEND ?? null),
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
  /** Anything a reader needs beside the figures (accuracy, what was compared). */
  note?: string;
}

export function printTable(rows: Row[]): void {
  const head = ['benchmark', 'size', 'median', 'p95', 'unit', 'baseline', 'baseline median', 'ratio', 'runs'];
  const body = rows.map((r) => [r.benchmark, String(r.size), fmt(r.median), fmt(r.p95), r.unit, r.baseline, fmt(r.baselineMedian), Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : '—', String(r.runs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('');
    for (const r of notes) console.log(`${r.benchmark} (${r.size}) vs ${r.baseline}: ${r.note}`);
  }
}

/**
 * How a cost grows from size to size, for rows of one benchmark at several sizes: the exponent k in
 * cost ∝ size^k between neighbours (1 = linear, 0 = flat; above ~1.2 is a super-linear step worth a look).
 */
export interface Growth {
  benchmark: string;
  from: number;
  to: number;
  sizeFactor: number;
  costFactor: number;
  exponent: number;
  baselineCostFactor: number;
  baselineExponent: number;
}

export function growth(rows: Row[]): Growth[] {
  const out: Growth[] = [];
  const byName = new Map<string, Row[]>();
  for (const r of rows) byName.set(r.benchmark, [...(byName.get(r.benchmark) ?? []), r]);
  for (const [name, rs] of byName) {
    const sorted = [...rs].sort((a, b) => a.size - b.size);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1]!;
      const b = sorted[i]!;
      const sizeFactor = b.size / a.size;
      const costFactor = b.median / a.median;
      const baselineCostFactor = b.baselineMedian / a.baselineMedian;
      out.push({
        benchmark: name,
        from: a.size,
        to: b.size,
        sizeFactor,
        costFactor,
        exponent: Math.log(costFactor) / Math.log(sizeFactor),
        baselineCostFactor,
        baselineExponent: Math.log(baselineCostFactor) / Math.log(sizeFactor),
      });
    }
  }
  return out;
}

export function printGrowth(g: Growth[]): void {
  if (g.length === 0) return;
  console.log('\ngrowth with size (cost ∝ size^k; k ≈ 1 linear, k > 1.2 super-linear)');
  const head = ['benchmark', 'from → to', 'size ×', 'cost ×', 'k', 'baseline cost ×', 'baseline k', ''];
  const body = g.map((x) => [x.benchmark, `${x.from} → ${x.to}`, x.sizeFactor.toFixed(1), x.costFactor.toFixed(2), x.exponent.toFixed(2), x.baselineCostFactor.toFixed(2), x.baselineExponent.toFixed(2), x.exponent > 1.2 ? 'SUPER-LINEAR' : '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'not measured';
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

export function machine(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies?: Record<string, string> };
  const installed = (name: string): string => {
    const p = `node_modules/${name}/package.json`;
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : 'missing';
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
    versions: Object.fromEntries([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies ?? {})].map((d) => [d, installed(d)])),
  };
}

/**
 * Merges one section into bench/results.json, keeping the others (a quick run writes quick_* sections). The
 * top-level `machine` is the latest writer's; each section keeps its own too (versions, load average).
 */
export function writeResults(section: string, data: Record<string, unknown>): void {
  const file = 'bench/results.json';
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const m = machine();
  all.machine = m;
  all[section] = { at: new Date().toISOString(), machine: m, ...data };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

export { rng } from '../src/random.js';
