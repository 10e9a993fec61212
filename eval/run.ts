// `npm run eval`: scores the shipped model (models/tagger-model.json, the worker's) on public labelled data and
// writes eval/report.json. Reproducible: fixed splits, no randomness; throughput varies with the machine.
//
// - Needs: bitext-test.csv (never trained on) mapped to the taxonomy; CLINC150 oos_test → share tagged `none`.
// - Sentiment: the half of each VADER set the model never saw (isSentimentTrainRow = false), for this project's
//   analyser, its rules alone, natural's plain AFINN analyser and the npm peers vader-sentiment and sentiment;
//   the peers and the rules are also scored on the whole sets (they were trained on none of it).
// - Throughput: messages per second on one core (this process), needs + sentiment, after a warm-up pass.
import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SentimentLabel } from '../src/domain/types.js';
import natural from '../src/nlp/natural.js';
import { readModelFile, DEFAULT_MODEL_PATH } from '../src/nlp/model-file.js';
import { EnglishSentiment, taggerFromModel } from '../src/nlp/tagger.js';
import { labelFor } from '../src/nlp/sentiment.js';
import { normalizeChatText } from '../src/nlp/normalize.js';
import { tokenize } from '../src/nlp/tokens.js';
import { isSentimentTrainRow, macroF1 } from '../src/nlp/train-sentiment.js';
import { loadBitext, loadClinc, loadVader, VADER_SETS } from './datasets.js';

const require = createRequire(import.meta.url);
const vader = require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores(t: string): { compound: number } } };
const SentimentPkg = require('sentiment') as new () => { analyze(t: string): { score: number; comparative: number } };

const model = readModelFile(DEFAULT_MODEL_PATH);
const tagger = taggerFromModel(model);
const report: Record<string, unknown> = { model: model.version, trainedAt: model.trainedAt, node: process.version };

const f3 = (x: number): string => x.toFixed(3);

function table(title: string, head: string[], rows: Array<Array<string | number>>): void {
  console.log(`\n${title}`);
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ---------- needs ----------
const taxonomy = JSON.parse(readFileSync(new URL('../data/needs/taxonomy.json', import.meta.url), 'utf8')) as { needs: Array<{ name: string; bitextIntents: string[] }> };
const intentToNeed = new Map<string, string>();
for (const n of taxonomy.needs) for (const i of n.bitextIntents) intentToNeed.set(i, n.name);
const bitext = loadBitext('bitext-test.csv').filter(([, i]) => intentToNeed.has(i));
const needOf = (text: string): string => tagger.tag({ text, platform: 'slack', role: 'customer' }).needs[0]?.need ?? 'none';
const gold = bitext.map(([, i]) => intentToNeed.get(i)!);
const pred = bitext.map(([t]) => needOf(t));
const needNames = [...new Set(gold)].sort();
const perNeed = needNames.map((need) => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < gold.length; i++) {
    if (pred[i] === need && gold[i] === need) tp++;
    else if (pred[i] === need) fp++;
    else if (gold[i] === need) fn++;
  }
  const p = tp + fp ? tp / (tp + fp) : 0;
  const r = tp + fn ? tp / (tp + fn) : 0;
  return { need, precision: p, recall: r, f1: p + r ? (2 * p * r) / (p + r) : 0, support: tp + fn };
});
const bitextMacroF1 = perNeed.reduce((s, x) => s + x.f1, 0) / perNeed.length;
const bitextAccuracy = pred.filter((p, i) => p === gold[i]).length / gold.length;
const bitextNone = pred.filter((p) => p === 'none').length;
const clinc = loadClinc();
const oosPred = clinc.oos_test.map(([t]) => needOf(t));
const oosNone = oosPred.filter((p) => p === 'none').length;
const noneRecall = oosNone / oosPred.length;
const nonePrecision = oosNone / (oosNone + bitextNone);
table(
  `Needs on bitext-test.csv (${gold.length} rows, never trained on); top need, or none`,
  ['need', 'precision', 'recall', 'F1', 'support'],
  perNeed.map((x) => [x.need, f3(x.precision), f3(x.recall), f3(x.f1), x.support]),
);
console.log(`accuracy ${f3(bitextAccuracy)}   macro-F1 ${f3(bitextMacroF1)}   (goal ≥ 0.980)`);
console.log(
  `none on CLINC150 oos_test (${oosPred.length} rows): ${f3(noneRecall)} tagged none (goal ≥ 0.950); ` +
    `none precision over bitext-test + oos_test ${f3(nonePrecision)}, recall ${f3(noneRecall)}`,
);
const oosWrong = new Map<string, number>();
for (const p of oosPred) if (p !== 'none') oosWrong.set(p, (oosWrong.get(p) ?? 0) + 1);
console.log(`oos_test rows given a need: ${[...oosWrong].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
// Hand-written short, misspelled support chat with its expected need sets (several needs, chit-chat, none).
const chatRows = readFileSync(new URL('chat-check.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; needs: string[] });
let chatExact = 0;
let chatTp = 0;
let chatFp = 0;
let chatFn = 0;
const chatMisses: string[] = [];
for (const c of chatRows) {
  const got = tagger.tag({ text: c.text, platform: 'slack', role: 'customer' }).needs.map((n) => n.need);
  const ok = got.length === c.needs.length && c.needs.every((n) => got.includes(n));
  if (ok) chatExact++;
  else chatMisses.push(`"${c.text}" → ${got.join('+') || 'none'} (expected ${c.needs.join('+') || 'none'})`);
  for (const n of got) if (c.needs.includes(n)) chatTp++; else chatFp++;
  for (const n of c.needs) if (!got.includes(n)) chatFn++;
}
const chatNeedP = chatTp / (chatTp + chatFp || 1);
const chatNeedR = chatTp / (chatTp + chatFn || 1);
console.log(
  `\nNeeds on ${chatRows.length} hand-written chat messages (eval/chat-check.jsonl): exact need set ${chatExact}/${chatRows.length} ` +
    `(${f3(chatExact / chatRows.length)}); need precision ${f3(chatNeedP)}, recall ${f3(chatNeedR)}`,
);
for (const m of chatMisses) console.log(`  ${m}`);
report.needs = {
  bitextTest: { rows: gold.length, accuracy: bitextAccuracy, macroF1: bitextMacroF1, perNeed },
  chatCheck: { rows: chatRows.length, exact: chatExact, needPrecision: chatNeedP, needRecall: chatNeedR, misses: chatMisses },
  clincOosTest: { rows: oosPred.length, taggedNone: noneRecall, nonePrecision, noneRecall, wrongNeeds: Object.fromEntries(oosWrong) },
  goalMet: bitextMacroF1 >= 0.98 && noneRecall >= 0.95,
};

// ---------- sentiment ----------
type Analyser = { name: string; label(text: string): SentimentLabel };
const rulesOnly = new EnglishSentiment(null);
const afinn = new natural.SentimentAnalyzer('English', undefined, 'afinn');
const wordTokenizer = new natural.WordTokenizer();
const sentimentPkg = new SentimentPkg();
const analysers: Analyser[] = [
  { name: 'support-history', label: (t) => tagger.tag({ text: t, platform: 'slack', role: 'agent' }).sentiment.label },
  { name: 'support-history rules only', label: (t) => rulesOnly.score(tokenize(normalizeChatText(t, 'slack'))).label },
  {
    name: 'natural AFINN (plain)',
    label: (t) => {
      const tokens = wordTokenizer.tokenize(t.toLowerCase()) ?? [];
      const s = tokens.length ? afinn.getSentiment(tokens) : 0;
      return labelFor(Number.isFinite(s) ? s : 0);
    },
  },
  { name: 'vader-sentiment', label: (t) => labelFor(vader.SentimentIntensityAnalyzer.polarity_scores(t).compound) },
  {
    name: 'sentiment (npm)',
    label: (t) => {
      const s = sentimentPkg.analyze(t).score;
      return s > 0 ? 'positive' : s < 0 ? 'negative' : 'neutral';
    },
  },
];
const accuracy = (g: SentimentLabel[], p: SentimentLabel[]): number => p.filter((x, i) => x === g[i]).length / g.length;
const sentimentResults: Record<string, Record<string, { heldOut: { accuracy: number; macroF1: number; rows: number }; whole?: { accuracy: number; macroF1: number; rows: number } }>> = {};
const heldOutRows: Array<Array<string | number>> = [];
const wholeRows: Array<Array<string | number>> = [];
const avg: Record<string, { held: number; whole: number }> = {};
for (const a of analysers) avg[a.name] = { held: 0, whole: 0 };
for (const set of VADER_SETS) {
  const rows = loadVader(set);
  const held = rows.filter((r) => !isSentimentTrainRow(set, r.id));
  sentimentResults[set] = {};
  for (const a of analysers) {
    const preds = rows.map((r) => a.label(r.text));
    const heldIdx = rows.map((r, i) => (!isSentimentTrainRow(set, r.id) ? i : -1)).filter((i) => i >= 0);
    const hg = heldIdx.map((i) => rows[i]!.label);
    const hp = heldIdx.map((i) => preds[i]!);
    const h = { accuracy: accuracy(hg, hp), macroF1: macroF1(hg, hp), rows: held.length };
    const entry: (typeof sentimentResults)[string][string] = { heldOut: h };
    avg[a.name]!.held += h.macroF1 / VADER_SETS.length;
    if (a.name !== 'support-history') {
      const g = rows.map((r) => r.label);
      entry.whole = { accuracy: accuracy(g, preds), macroF1: macroF1(g, preds), rows: rows.length };
      avg[a.name]!.whole += entry.whole.macroF1 / VADER_SETS.length;
      wholeRows.push([set, a.name, f3(entry.whole.accuracy), f3(entry.whole.macroF1)]);
    }
    heldOutRows.push([set, a.name, h.rows, f3(h.accuracy), f3(h.macroF1)]);
    sentimentResults[set]![a.name] = entry;
  }
}
table('Sentiment, 3 classes, on the held-out half of each VADER set (never trained on)', ['set', 'analyser', 'rows', 'accuracy', 'macro-F1'], heldOutRows);
table('Average macro-F1 over the four held-out halves', ['analyser', 'avg macro-F1'], analysers.map((a) => [a.name, f3(avg[a.name]!.held)]));
table('Sentiment on the whole sets (analysers trained on none of them)', ['set', 'analyser', 'accuracy', 'macro-F1'], wholeRows);
table('Average macro-F1 over the four whole sets', ['analyser', 'avg macro-F1'], analysers.filter((a) => a.name !== 'support-history').map((a) => [a.name, f3(avg[a.name]!.whole)]));
const support = (JSON.parse(readFileSync(new URL('support-sentiment.json', import.meta.url), 'utf8')) as { rows: Array<[string, SentimentLabel]> }).rows;
const supportRows = analysers.map((a) => {
  const p = support.map(([t]) => a.label(t));
  const g = support.map(([, l]) => l);
  return { name: a.name, accuracy: accuracy(g, p), macroF1: macroF1(g, p) };
});
table(`Sentiment on ${support.length} hand-written support-chat messages (eval/support-sentiment.json)`, ['analyser', 'accuracy', 'macro-F1'], supportRows.map((r) => [r.name, f3(r.accuracy), f3(r.macroF1)]));
report.sentiment = {
  split: 'sha1(set:id)[0] < 128 → training half (data/sentiment/vader-train.tsv); the rest is held out and used here',
  perSet: sentimentResults,
  averageMacroF1HeldOut: Object.fromEntries(Object.entries(avg).map(([k, v]) => [k, v.held])),
  averageMacroF1Whole: Object.fromEntries(Object.entries(avg).filter(([k]) => k !== 'support-history').map(([k, v]) => [k, v.whole])),
  supportChat: supportRows,
};

// ---------- throughput ----------
const corpus: string[] = [...bitext.map(([t]) => t), ...clinc.oos_test.map(([t]) => t)];
for (const set of VADER_SETS) for (const r of loadVader(set).slice(0, 1000)) corpus.push(r.text);
/** Messages per second of CPU time of this (single-threaded) process, i.e. per core, and per wall-clock second. */
function rate(fn: (t: string) => unknown, minMs = 1500): { perCpuSecond: number; perWallSecond: number } {
  for (const t of corpus) fn(t); // warm-up: JIT, memoised stems and spellings
  let n = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  do {
    for (const t of corpus) fn(t);
    n += corpus.length;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  const cpu = process.cpuUsage(cpu0);
  return { perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), perWallSecond: (n / elapsed) * 1000 };
}
const speeds = [
  { name: 'support-history needs + sentiment (customer messages)', ...rate((t) => tagger.tag({ text: t, platform: 'slack', role: 'customer' })) },
  { name: 'support-history sentiment only (agent messages)', ...rate((t) => tagger.tag({ text: t, platform: 'slack', role: 'agent' })) },
  { name: 'natural AFINN (plain)', ...rate((t) => afinn.getSentiment(wordTokenizer.tokenize(t.toLowerCase()) ?? [])) },
  { name: 'vader-sentiment', ...rate((t) => vader.SentimentIntensityAnalyzer.polarity_scores(t)) },
  { name: 'sentiment (npm)', ...rate((t) => sentimentPkg.analyze(t)) },
];
table(
  `Throughput, one core, ${corpus.length} mixed messages per pass (goal ≥ 10,000 msg/s for needs + sentiment); per CPU-second of this single-threaded process, and per wall-clock second (lower when other work shares the cores)`,
  ['tagger', 'msg/s per core (CPU time)', 'msg/s (wall clock)'],
  speeds.map((s) => [s.name, Math.round(s.perCpuSecond), Math.round(s.perWallSecond)]),
);
report.throughput = { corpusSize: corpus.length, perCore: speeds };

const out = new URL('report.json', import.meta.url);
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`\nreport written to ${out.pathname}`);
