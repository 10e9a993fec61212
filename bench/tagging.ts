// Tagging throughput on one core (this process, one thread) on the generated customer texts: this project's
// tagger (needs + sentiment) against the npm peers vader-sentiment and sentiment on the same texts, each
// beside its accuracy from the tagging evaluation (eval/report.json, written by `npm run eval`). The figure is
// messages per CPU-second of this single-threaded process, i.e. per core (the wall-clock rate, lower when other
// work shares the cores, is kept in the raw results). Runs alone too: `npx tsx bench/tagging.ts [--quick]`.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadTagger } from '../src/nlp/tagger.js';
import { generateWorkspace } from './generate.js';
import { median, percentile, type Row } from './lib.js';

const require = createRequire(import.meta.url);

export interface TaggingOptions {
  messages: number;
  seed: number;
  runs: number;
  /** Each run tags the texts over and over for at least this long. */
  minMs: number;
}

interface EvalAccuracy {
  heldOutMacroF1: number | null;
  supportChatAccuracy: number | null;
  /** Sentiment macro-F1 on the real-chat check set (eval/real-chat-check.jsonl). */
  checkSetMacroF1: number | null;
}

/** Sentiment accuracy per analyser from eval/report.json, or nulls when the eval has not run. */
export function evalAccuracy(): { source: string; at: string | null; byName: Record<string, EvalAccuracy> } {
  const file = 'eval/report.json';
  if (!existsSync(file)) return { source: 'eval/report.json missing (run `npm run eval`)', at: null, byName: {} };
  const r = JSON.parse(readFileSync(file, 'utf8')) as {
    model?: string;
    trainedAt?: string;
    sentiment?: {
      averageMacroF1HeldOut?: Record<string, number>;
      supportChat?: Array<{ name: string; accuracy: number }>;
      perDataSet?: Array<{ name: string; byName: Record<string, { macroF1: number }> }>;
    };
  };
  const check = r.sentiment?.perDataSet?.find((d) => d.name.startsWith('real-chat check set'));
  const byName: Record<string, EvalAccuracy> = {};
  for (const name of ['support-history', 'vader-sentiment', 'sentiment (npm)']) {
    byName[name] = {
      heldOutMacroF1: r.sentiment?.averageMacroF1HeldOut?.[name] ?? null,
      supportChatAccuracy: r.sentiment?.supportChat?.find((x) => x.name === name)?.accuracy ?? null,
      checkSetMacroF1: check?.byName[name]?.macroF1 ?? null,
    };
  }
  return { source: `eval/report.json (model ${r.model ?? '?'})`, at: r.trainedAt ?? null, byName };
}

/** Messages per CPU-second of this process (one thread: per core) and per wall-clock second. */
function rate(texts: string[], fn: (t: string) => unknown, minMs: number): { cpu: number; wall: number } {
  let n = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  do {
    for (const t of texts) fn(t);
    n += texts.length;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  const cpu = process.cpuUsage(cpu0);
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: (n / elapsed) * 1000 };
}

export function benchTagging(opts: TaggingOptions): { rows: Row[]; raw: Record<string, unknown> } {
  const stream = generateWorkspace({ messages: opts.messages, seed: opts.seed, workspaceId: 'TTAG' });
  const texts = stream.events.filter((e) => e.kind !== 'delete' && e.author?.role === 'customer').map((e) => e.text ?? '');
  const tagger = loadTagger();
  const vader = require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores(t: string): { compound: number } } };
  const SentimentPkg = require('sentiment') as new () => { analyze(t: string): { score: number } };
  const sentimentPkg = new SentimentPkg();
  const analysers: Array<{ name: string; fn: (t: string) => unknown }> = [
    { name: 'support-history', fn: (t) => tagger.tag({ text: t, platform: 'slack', role: 'customer' }) },
    { name: 'vader-sentiment', fn: (t) => vader.SentimentIntensityAnalyzer.polarity_scores(t) },
    { name: 'sentiment (npm)', fn: (t) => sentimentPkg.analyze(t) },
  ];
  const rates: Record<string, number[]> = {};
  const wallRates: Record<string, number[]> = {};
  for (const a of analysers) {
    rates[a.name] = [];
    wallRates[a.name] = [];
    for (const t of texts) a.fn(t); // warm-up
  }
  // Interleaved, so a burst of load from elsewhere hits every analyser alike.
  for (let run = 0; run < opts.runs; run++) {
    for (const a of analysers) {
      const r = rate(texts, a.fn, opts.minMs);
      rates[a.name]!.push(r.cpu);
      wallRates[a.name]!.push(r.wall);
    }
  }
  const acc = evalAccuracy();
  const accNote = (name: string): string => {
    const a = acc.byName[name];
    if (!a || a.heldOutMacroF1 === null) return 'accuracy: run npm run eval';
    return `sentiment macro-F1 ${a.checkSetMacroF1?.toFixed(3) ?? '?'} (real-chat check set), ${a.heldOutMacroF1.toFixed(3)} (VADER held-out)`;
  };
  const ours = rates['support-history']!;
  const rows: Row[] = ['vader-sentiment', 'sentiment (npm)'].map((peer) => ({
    benchmark: 'tagging needs + sentiment, msg per CPU-second (one core)',
    size: texts.length,
    unit: 'msg/s',
    median: median(ours),
    p95: percentile(ours, 5),
    baseline: `${peer} (sentiment only)`,
    baselineMedian: median(rates[peer]!),
    ratio: median(ours) / median(rates[peer]!),
    runs: opts.runs,
    note: `ours: ${accNote('support-history')}; ${peer}: ${accNote(peer)}`,
  }));
  return { rows, raw: { texts: texts.length, rates, wallRates, accuracy: acc } };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const quick = process.argv.includes('--quick');
  const r = benchTagging({ messages: quick ? 600 : 3_000, seed: 42, runs: quick ? 3 : 5, minMs: quick ? 250 : 1_000 });
  for (const row of r.rows) {
    console.log(`${row.benchmark}: ${Math.round(row.median)} ${row.unit} (p95 ${Math.round(row.p95)}) vs ${row.baseline} ${Math.round(row.baselineMedian)} (×${row.ratio.toFixed(2)}); ${row.note ?? ''}`);
  }
  const wall = r.raw.wallRates as Record<string, number[]>;
  console.log(`wall clock msg/s (medians): ${Object.entries(wall).map(([k, v]) => `${k} ${Math.round([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!)}`).join(', ')}; ${r.raw.texts} texts`);
}
