// Turns saved outputs of bench/history.ts (one per size, e.g. runs of kept databases with --reuse) into the
// `history` section of bench/results.json, with the growth from size to size, and prints the table.
//
//   npx tsx bench/history-results.ts 10000=/tmp/m10k.log 100000=/tmp/m100k.log 1000000=/tmp/m1m.log
import { readFileSync } from 'node:fs';
import { fastOnlyRows, historyRows } from './history-points.js';
import { growth, printGrowth, printTable, writeResults, type Row } from './lib.js';

/** The fast figures of a run whose naive digest did not finish, with the naive /history when its samples did. */
function partialRows(out: string, size: number): Row[] {
  const rows = fastOnlyRows(out, size, 'naive not finished in this run');
  if (!rows) throw new Error(`no fast figures in the output for ${size}`);
  return rows;
}

if (process.argv.length < 3) {
  // Without outputs there is nothing to write: never replace the section with an empty one.
  console.error('usage: npx tsx bench/history-results.ts <size>=<bench/history.ts output> ...');
  process.exit(2);
}
const rows: Row[] = [];
const points: Record<string, unknown> = {};
for (const a of process.argv.slice(2)) {
  const [size, file] = a.split('=') as [string, string];
  const out = readFileSync(file, 'utf8');
  const r = /\| digest build, naive scan \| [1-9]/.test(out) ? historyRows(out, Number(size)) : partialRows(out, Number(size));
  rows.push(...r);
  points[size] = { rows: r, log: out.split('\n').filter((l) => !/^\s+[\d.]+ ms {2}/.test(l)).join('\n') };
}
printTable(rows);
const g = growth(rows);
printGrowth(g);
writeResults('history', { generator: 'bench/history.ts (seeded; customers = messages / 20; 35 days; --week-share 0.208: about a quarter of the messages in the digest week)', quick: false, points, growth: g });
console.log('\nhistory section written to bench/results.json');
