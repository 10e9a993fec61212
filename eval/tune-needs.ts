// Dev tool: chooses the needs gate threshold and the confidence floor without touching any test split.
// Trains on a validation-only split of the training data and scores what was held out of it:
// - Bitext: 90% of bitext-train trains, the other 10% (sha1 of the text) is scored (macro-F1 of the top need);
// - CLINC150 out of scope: oos_train and oos_val rows are left out of the "no need" texts and scored (share → none);
// - unseen chit-chat topics: one in five of the CLINC in-scope intents used as "no need" (sha1 of the intent name)
//   is left out whole, and its train + val rows are scored (share → none), as oos_test's topics are unseen too;
// - eval/chat-check.jsonl (hand-written chat, exact need sets).
// CLINC test and oos_test rows and bitext-test are never read here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NONE } from '../src/nlp/needs.js';
import { taggerFromModel } from '../src/nlp/tagger.js';
import { readModelFile, DEFAULT_MODEL_PATH } from '../src/nlp/model-file.js';
import { trainNeeds } from '../src/nlp/train-needs.js';
import { loadTrainingData } from '../src/nlp/training-data.js';
import { loadClinc } from './datasets.js';

const data = loadTrainingData(new URL('../data/needs/', import.meta.url));
const clinc = loadClinc();
const sha = (t: string): number => createHash('sha1').update(t).digest()[0]!;
const heldBitext = (t: string): boolean => sha(t) < 26;
const noneIntents = new Set<string>();
const noneTexts = new Set(data.none);
for (const [t, i] of [...clinc.train, ...clinc.val]) if (noneTexts.has(t)) noneIntents.add(i);
const heldIntent = (i: string): boolean => noneIntents.has(i) && sha(i) % 5 === 0;
const heldIntentRows = [...clinc.train, ...clinc.val].filter(([, i]) => heldIntent(i)).map(([t]) => t);
const oosRows = [...clinc.oos_train, ...clinc.oos_val].map(([t]) => t);
const drop = new Set([...heldIntentRows, ...oosRows]);
const train = { ...data, bitext: data.bitext.filter(([t]) => !heldBitext(t)), none: data.none.filter((t) => !drop.has(t)) };
const val = data.bitext.filter(([t]) => heldBitext(t));
const map = new Map<string, string>();
for (const n of data.taxonomy.needs) for (const i of n.bitextIntents) map.set(i, n.name);
const chat = readFileSync(new URL('chat-check.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; needs: string[] });

const params = trainNeeds(train);
const shipped = readModelFile(DEFAULT_MODEL_PATH);
console.log(`trained on ${train.bitext.length} Bitext rows and ${train.none.length} no-need texts; ${noneIntents.size} CLINC intents as no need, ${[...noneIntents].filter(heldIntent).length} held out (${heldIntentRows.length} rows), ${oosRows.length} oos_train + oos_val rows held out`);
console.log('gate\tfloor\tbitext-val F1\toos_train+val → none\theld-out intents → none\tchat exact');
for (const gate of [0.5, 0.55, 0.6, 0.65, 0.7, 0.75]) {
  for (const minConfidence of [0, 0.25, 0.35, 0.45]) {
    const tagger = taggerFromModel({ ...shipped, needs: { ...params, minConfidence, ...(params.gate ? { gate: { ...params.gate, threshold: gate } } : {}) } });
    const needs = (t: string): string[] => tagger.tag({ text: t, platform: 'slack', role: 'customer' }).needs.map((n) => n.need);
    const top = (t: string): string => needs(t)[0] ?? NONE;
    const gold = val.map(([, i]) => map.get(i)!);
    const pred = val.map(([t]) => top(t));
    let f = 0;
    const labels = [...new Set(gold)];
    for (const l of labels) {
      let tp = 0, fp = 0, fn = 0;
      for (let i = 0; i < gold.length; i++) {
        if (pred[i] === l && gold[i] === l) tp++;
        else if (pred[i] === l) fp++;
        else if (gold[i] === l) fn++;
      }
      const p = tp / (tp + fp || 1), r = tp / (tp + fn || 1);
      f += p + r ? (2 * p * r) / (p + r) : 0;
    }
    f /= labels.length;
    const none = (rows: string[]): string => (rows.filter((t) => top(t) === NONE).length / rows.length).toFixed(3);
    const exact = chat.filter((c) => JSON.stringify(needs(c.text).sort()) === JSON.stringify([...c.needs].sort())).length;
    console.log(`${gate}\t${minConfidence}\t${f.toFixed(4)}\t${none(oosRows)}\t${none(heldIntentRows)}\t${exact}/${chat.length}`);
  }
}
