// Copies the *training half* of the four VADER sets (cjhutto/vaderSentiment @ 44fc044, MIT) into
// data/sentiment/vader-train.tsv. The other half (isSentimentTrainRow = false) is never copied: `npm run eval`
// scores every analyser on it. Dev tool: reads ../shared/data.
import { writeFileSync } from 'node:fs';
import { isSentimentTrainRow } from '../src/nlp/train-sentiment.js';
import { loadVader, VADER_SETS } from '../eval/datasets.js';

const lines = ['set\tid\trating\ttext'];
for (const set of VADER_SETS) {
  for (const r of loadVader(set)) if (isSentimentTrainRow(set, r.id)) lines.push(`${set}\t${r.id}\t${r.rating}\t${r.text.replace(/[\t\n]/g, ' ')}`);
}
writeFileSync(new URL('../data/sentiment/vader-train.tsv', import.meta.url), lines.join('\n') + '\n');
console.error(`wrote ${lines.length - 1} rows`);
