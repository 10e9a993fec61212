// Rebuilds the sentiment training files in data/sentiment/ (dev tool: reads ../shared/data; never a test split):
// - vader-train.tsv: the training half (isSentimentTrainRow) of the four VADER sets (cjhutto/vaderSentiment @
//   44fc044, MIT); the other half is never copied: `npm run eval` scores every analyser on it;
// - goemotions-train.tsv: a fixed sample of GoEmotions train comments (google-research/goemotions, CC BY 4.0) that
//   carry exactly one of the groups negative, neutral, positive (dev and test are never copied);
// - support-train.tsv: real support queries with weak labels from their intent (data/sentiment/support-labels.json):
//   Banking77 train (CC BY 4.0) and Bitext train (CDLA-Sharing-1.0), problems negative, requests neutral.
// Texts equal to a message of the real-chat check set (eval/real-chat-check.jsonl) are left out.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkSetTexts } from '../eval/check-set.js';
import { loadBitext, loadVader, SHARED_DATA, VADER_SETS } from '../eval/datasets.js';
import { isSentimentTrainRow } from '../src/nlp/train-sentiment.js';

const held = checkSetTexts();
const ok = (t: string): boolean => !held.has(t.trim().toLowerCase());
const clean = (t: string): string => t.replace(/[\t\r\n]+/g, ' ').trim();

const vader = ['set\tid\trating\ttext'];
for (const set of VADER_SETS) {
  for (const r of loadVader(set)) if (isSentimentTrainRow(set, r.id) && ok(r.text)) vader.push(`${set}\t${r.id}\t${r.rating}\t${clean(r.text)}`);
}
writeFileSync(new URL('../data/sentiment/vader-train.tsv', import.meta.url), vader.join('\n') + '\n');

const GOEMOTIONS_ROWS = Number(process.env.GOEMOTIONS_ROWS ?? 12000);
const groups = ['ambiguous', 'negative', 'neutral', 'positive'];
const ge = readFileSync(new URL('goemotions-group-train.tsv', SHARED_DATA), 'utf8')
  .split('\n')
  .map((l) => l.split('\t'))
  .filter((c) => c.length >= 3 && /^[123]$/.test(c[1]!) && ok(c[0]!))
  .map((c) => ({ text: clean(c[0]!), label: groups[Number(c[1])]!, id: c[2]!, key: createHash('sha1').update(c[2]!).digest('hex') }))
  .sort((a, b) => (a.key < b.key ? -1 : 1))
  .slice(0, GOEMOTIONS_ROWS);
writeFileSync(new URL('../data/sentiment/goemotions-train.tsv', import.meta.url), ['id\tlabel\ttext', ...ge.map((r) => `${r.id}\t${r.label}\t${r.text}`)].join('\n') + '\n');

const labels = JSON.parse(readFileSync(new URL('../data/sentiment/support-labels.json', import.meta.url), 'utf8')) as Record<string, { negative: string[]; neutral: string[] }>;
const labelOf = (set: string, intent: string): string | null =>
  labels[set]!.negative.includes(intent) ? 'negative' : labels[set]!.neutral.includes(intent) ? 'neutral' : null;
const support = ['source\tlabel\ttext'];
const seen = new Set<string>();
const bankingCsv = readFileSync(new URL('banking77-train.csv', SHARED_DATA), 'utf8');
const banking: Array<[string, string]> = [];
for (const line of bankingCsv.split(/\r?\n/).slice(1)) {
  const m = /^(?:"((?:[^"]|"")*)"|([^"]*)),([^,]+)$/.exec(line);
  if (m) banking.push([(m[1] ?? m[2] ?? '').replace(/""/g, '"'), m[3]!]);
}
for (const [source, rows] of [['banking77', banking], ['bitext', loadBitext('bitext-train.csv')]] as const) {
  for (const [text, intent] of rows) {
    const label = labelOf(source, intent);
    const t = clean(text);
    if (!label || !ok(t) || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    support.push(`${source}\t${label}\t${t}`);
  }
}
writeFileSync(new URL('../data/sentiment/support-train.tsv', import.meta.url), support.join('\n') + '\n');
console.error(`wrote ${vader.length - 1} VADER rows, ${ge.length} GoEmotions rows, ${support.length - 1} support rows`);
