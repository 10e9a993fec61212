// Dev tool: compares sentiment-training options on held-out rows, never on a test split or the check set: 1 in 10
// training rows of every source (sha1 of the text) is held out and scored per source (macro-F1), and so is the
// GoEmotions dev split (rows with one group label).
//   npx tsx eval/tune-sentiment.ts '{"l2":1e-4}' '{"l2":1e-3}' …   (each argument: trainSupportSentiment options)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SentimentLabel } from '../src/domain/index.js';
import { EnglishSentiment } from '../src/nlp/tagger.js';
import { normalizeChatText } from '../src/nlp/normalize.js';
import { tokenize } from '../src/nlp/tokens.js';
import { readSentimentDir } from '../src/nlp/train.js';
import { macroF1, trainSupportSentiment, type SentimentExample } from '../src/nlp/train-sentiment.js';
import { SHARED_DATA } from './datasets.js';

const all = readSentimentDir();
const held = (t: string): boolean => createHash('sha1').update(t).digest()[0]! < 26;
const train = all.filter((r) => !held(r.text));
const groups: SentimentLabel[] = ['negative', 'negative', 'neutral', 'positive'];
const dev: SentimentExample[] = readFileSync(new URL('goemotions-group-dev.tsv', SHARED_DATA), 'utf8')
  .split('\n')
  .map((l) => l.split('\t'))
  .filter((c) => c.length >= 3 && /^[123]$/.test(c[1]!))
  .map((c) => ({ set: 'goemotions-dev', text: c[0]!, label: groups[Number(c[1])]! }));
const val = [...all.filter((r) => held(r.text)), ...dev];
for (const arg of process.argv.slice(2).length ? process.argv.slice(2) : ['{}']) {
  const opts = JSON.parse(arg) as Parameters<typeof trainSupportSentiment>[1];
  const t0 = Date.now();
  const layer = trainSupportSentiment(train, opts);
  const s = new EnglishSentiment(layer);
  const bySet = new Map<string, { g: SentimentLabel[]; p: SentimentLabel[] }>();
  for (const r of val) {
    const e = bySet.get(r.set) ?? { g: [], p: [] };
    e.g.push(r.label);
    e.p.push(s.score(tokenize(normalizeChatText(r.text, 'slack'))).label);
    bySet.set(r.set, e);
  }
  let mean = 0;
  const parts: string[] = [];
  for (const [set, e] of [...bySet].sort()) {
    const f = macroF1(e.g, e.p);
    mean += f / bySet.size;
    parts.push(`${set} ${f.toFixed(3)} (n=${e.g.length})`);
  }
  console.log(`${arg}: mean macro-F1 ${mean.toFixed(3)}; ${Object.keys(layer.weights).length} features; ${((Date.now() - t0) / 1000).toFixed(1)} s\n  ${parts.join('\n  ')}`);
}
