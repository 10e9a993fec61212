// Turns saved outputs of bench/history.ts (one per size, e.g. runs of kept databases with --reuse) into the
// `history` section of bench/results.json, with the growth from size to size, and prints the table.
//
//   npx tsx bench/history-results.ts 10000=/tmp/m10k.log 100000=/tmp/m100k.log 1000000=/tmp/m1m.log
import { readFileSync } from 'node:fs';
import { historyRows } from './history-points.js';
import { growth, printGrowth, printTable, writeResults, type Row } from './lib.js';

/** The fast figures of a run whose naive part did not finish (its `fast:` line), with no baseline. */
function fastOnlyRows(out: string, size: number): Row[] {
  const m = /fast: \/history median ([\d.]+) ms, p95 ([\d.]+) ms \((\d+)\); digest median ([\d.]+) ms, p95 ([\d.]+) ms \((\d+)\)/.exec(out);
  if (!m) throw new Error(`no fast figures in the output for ${size}`);
  const week = /\((\d+) in \d{4}-W\d{2}\)/.exec(out)?.[1] ?? '?';
  const load = /load average: ([\d. ]+) before timing, ([\d. ]+) after/.exec(out);
  const note = `naive not finished in this run${load ? `; load average ${load[1]} before, ${load[2]} after` : ''}`;
  return [
    { benchmark: '/history server time (lookup + summary)', size, unit: 'ms', median: +m[1]!, p95: +m[2]!, baseline: "naive scan of the customer's messages", baselineMedian: NaN, ratio: NaN, runs: +m[3]!, note },
    { benchmark: 'digest build (week)', size, unit: 'ms', median: +m[4]!, p95: +m[5]!, baseline: 'naive scan of the week', baselineMedian: NaN, ratio: NaN, runs: +m[6]!, note: `${week} messages in the week; ${note}` },
  ];
}

const rows: Row[] = [];
const points: Record<string, unknown> = {};
for (const a of process.argv.slice(2)) {
  const [size, file] = a.split('=') as [string, string];
  const out = readFileSync(file, 'utf8');
  const r = /\| digest build, naive scan \| [1-9]/.test(out) ? historyRows(out, Number(size)) : fastOnlyRows(out, Number(size));
  rows.push(...r);
  points[size] = { rows: r, log: out.split('\n').filter((l) => !/^\s+[\d.]+ ms {2}/.test(l)).join('\n') };
}
printTable(rows);
const g = growth(rows);
printGrowth(g);
writeResults('history', { generator: 'bench/history.ts (seeded; customers = messages / 20; 35 days; --week-share 0.208: about a quarter of the messages in the digest week)', quick: false, points, growth: g });
console.log('\nhistory section written to bench/results.json');
