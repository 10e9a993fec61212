// Dev tool: chooses the needs temperature and threshold without touching any test split. Trains on 90% of
// bitext-train (hash split) and scores the held-out 10% (macro-F1) and CLINC150 oos_val (share → none).
import { createHash } from 'node:crypto';
import { NeedsScorer } from '../src/nlp/needs.js';
import { trainNeeds } from '../src/nlp/train-needs.js';
import { loadTrainingData } from '../src/nlp/training-data.js';
import { clauses, tokenize } from '../src/nlp/tokens.js';
import { loadClinc } from './datasets.js';

const data = loadTrainingData(new URL('../data/needs/', import.meta.url));
const held = (t: string): boolean => createHash('sha1').update(t).digest()[0]! < 26;
const train = { ...data, bitext: data.bitext.filter(([t]) => !held(t)) };
const val = data.bitext.filter(([t]) => held(t));
const map = new Map<string, string>();
for (const n of data.taxonomy.needs) for (const i of n.bitextIntents) map.set(i, n.name);
const params = trainNeeds(train);
const oos = loadClinc().oos_val.map(([t]) => t);
const chat: Array<[string, string]> = [
  ['I want my money back', 'refund'], ['refund?', 'refund'], ['cant login', 'account'], ['where is my pakage', 'delivery'],
  ['hi', 'none'], ['thanks!!', 'none'], ['lol ok', 'none'], ['how do i change my email', 'account'], ['i was chargd twice', 'billing'],
];
const rows: string[] = [];
for (const threshold of [0.4, 0.5, 0.6, 0.7]) {
  for (const temperature of [0.7, 1, 1.5]) {
    for (const temperaturePower of [0.3, 0.5, 0.7]) {
      const s = new NeedsScorer({ ...params, threshold, temperature, temperaturePower, ...(params.gate ? { gate: { ...params.gate, threshold: Number(process.env.GT ?? 0.5) } } : {}) });
      const top = (t: string): string => s.classify(clauses(tokenize(t)))[0]?.need ?? 'none';
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
      const none = oos.filter((t) => top(t) === 'none').length / oos.length;
      const chatOk = chat.filter(([t, l]) => top(t) === l).length;
      rows.push(`${threshold}\t${temperature}\t${temperaturePower}\tF1 ${f.toFixed(4)}\toos ${none.toFixed(3)}\tchat ${chatOk}/${chat.length}`);
    }
  }
}
console.log(rows.join('\n'));
