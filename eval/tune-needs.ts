// Dev tool: compares needs-training options on held-out parts of the training data, never on a test split or on
// the real-chat check set. 1 in 10 rows of every training source (sha1 of the text) is held out: Bitext train,
// the mapped public queries (Banking77 train, NLU++, CLINC150 train/val, GoEmotions train) and the no-need texts,
// all of CLINC150's oos_train + oos_val, and every row of 1 in 8 of CLINC150's no-need intents (unseen topics);
// the model is trained on the rest and scored per source (top need accuracy, and share tagged none on none rows).
//   npx tsx eval/tune-needs.ts '{"charNgrams":[3,4]}' '{"charNgrams":[]}' …   (each argument: NeedsTrainingOptions)
//   NEEDS_DATA=<dir> compares another needs data directory; MISSES=<source prefix> prints that source's misses.
import { createHash } from 'node:crypto';
import { readModelFile, DEFAULT_MODEL_PATH } from '../src/nlp/model-file.js';
import { NONE } from '../src/nlp/needs.js';
import { taggerFromModel } from '../src/nlp/tagger.js';
import { trainNeeds, type NeedsTrainingOptions } from '../src/nlp/train-needs.js';
import { loadTrainingData } from '../src/nlp/training-data.js';
import { loadClinc } from './datasets.js';

// NEEDS_DATA=<dir>: another needs data directory (to compare data choices).
const data = loadTrainingData(process.env.NEEDS_DATA ? new URL(`file://${process.env.NEEDS_DATA.replace(/\/?$/, '/')}`) : new URL('../data/needs/', import.meta.url));
const held = (t: string): boolean => createHash('sha1').update(t).digest()[0]! < 26;
const map = new Map<string, string>();
for (const n of data.taxonomy.needs) for (const i of n.bitextIntents) map.set(i, n.name);
// CLINC150's oos_train + oos_val rows (out of scope) are held out whole: the none-rate on them stands in for
// oos_test's, which is never read here.
const clinc = loadClinc();
const oos = new Set([...clinc.oos_train, ...clinc.oos_val].map(([t]) => t));
// Unseen topics, the other stand-in for out-of-scope text: every train/val row of 1 in 8 of CLINC150's no-need
// intents (sha1 of the intent name) is held out whole, so the model meets topics it was never shown.
const intentOf = new Map([...clinc.train, ...clinc.val].map(([t, i]) => [t, i] as const));
const unseenIntent = (t: string): boolean => {
  const i = intentOf.get(t);
  return i !== undefined && createHash('sha1').update(i).digest()[0]! < 32;
};
const train = {
  ...data,
  bitext: data.bitext.filter(([t]) => !held(t)),
  none: data.none.filter((t) => !held(t) && !oos.has(t) && !unseenIntent(t)),
  labelled: data.labelled.filter((r) => !held(r.text) && !(r.need === NONE && unseenIntent(r.text))),
};
const val: Array<{ text: string; need: string; source: string }> = [
  ...data.bitext.filter(([t, i]) => held(t) && map.has(i)).map(([text, i]) => ({ text, need: map.get(i)!, source: 'bitext' })),
  ...data.none.filter((t) => held(t) && !oos.has(t) && !unseenIntent(t)).map((text) => ({ text, need: NONE, source: 'none-examples' })),
  ...[...oos].map((text) => ({ text, need: NONE, source: 'clinc-oos train+val' })),
  ...data.none.filter((t) => unseenIntent(t)).map((text) => ({ text, need: NONE, source: 'clinc unseen intents' })),
  ...data.labelled.filter((r) => held(r.text) && !(r.need === NONE && unseenIntent(r.text))),
];
const shipped = readModelFile(DEFAULT_MODEL_PATH);
// MISSES=<source prefix>: print that source's held-out misses too (e.g. MISSES=clinc-oos).
const misses = process.env.MISSES;
const configs = process.argv.slice(2).map((a) => JSON.parse(a) as NeedsTrainingOptions);
if (configs.length === 0) configs.push({});
for (const opts of configs) {
  const t0 = Date.now();
  const needs = trainNeeds(train, opts);
  const secs = (Date.now() - t0) / 1000;
  const tagger = taggerFromModel({ ...shipped, needs });
  const bySource = new Map<string, { n: number; ok: number; needRows: number; needOk: number; noneRows: number; noneOk: number }>();
  for (const r of val) {
    const got = tagger.tag({ text: r.text, platform: 'slack', role: 'customer' }).needs[0]?.need ?? NONE;
    const s = bySource.get(r.source) ?? { n: 0, ok: 0, needRows: 0, needOk: 0, noneRows: 0, noneOk: 0 };
    s.n++;
    if (got === r.need) s.ok++;
    if (r.need === NONE) {
      s.noneRows++;
      if (got === NONE) s.noneOk++;
    } else {
      s.needRows++;
      if (got === r.need) s.needOk++;
    }
    bySource.set(r.source, s);
    if (misses && r.source.startsWith(misses) && got !== r.need) console.log(`  miss ${r.source}: "${r.text}" → ${got} (${r.need})`);
  }
  let mean = 0;
  const parts: string[] = [];
  for (const [src, s] of [...bySource].sort()) {
    mean += s.ok / s.n / bySource.size;
    parts.push(`${src} ${(s.ok / s.n).toFixed(3)}${s.needRows && s.noneRows ? ` (needs ${(s.needOk / s.needRows).toFixed(3)}, none ${(s.noneOk / s.noneRows).toFixed(3)})` : ''} n=${s.n}`);
  }
  console.log(`${JSON.stringify(opts)}: mean ${mean.toFixed(3)}; ${Object.keys(needs.features).length} features; ${secs.toFixed(1)} s\n  ${parts.join('\n  ')}`);
}
