// Rebuilds data/needs/hwu64.tsv, the repo's copy of the HWU64 data set (Liu et al. 2019, "Benchmarking Natural
// Language Understanding Services for building Conversational Agents"; xliuhw/NLU-Evaluation-Data @ f6071b4, CC BY
// 4.0): requests to a home assistant robot in 64 intents (alarms, lights, music, weather, lists, trivia, …). Read from
// the ten cross-validation test folds (`CrossValidation/autoGeneFromRealAnno/autoGene_2018_03_22-13_01_25_169/
// CrossValidation/KFold_*/testset/csv/*.csv`, the annotated utterances the authors evaluated on: 10,995 distinct rows), one
// row per answer: id, scenario_intent, the utterance without its slot brackets (`answer_from_anno`).
// scripts/build-needs-data.ts maps the intents through data/needs/mappings.json ("hwu64").
// Dev tool, run once with a checkout of that repository:
//   npx tsx scripts/build-hwu64.ts <path to NLU-Evaluation-Data>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: npx tsx scripts/build-hwu64.ts <checkout of xliuhw/NLU-Evaluation-Data>');
  process.exit(2);
}
const CV = join(root, 'CrossValidation/autoGeneFromRealAnno/autoGene_2018_03_22-13_01_25_169/CrossValidation');

/** One line of the semicolon-separated files: fields may be quoted, with "" for a quote. */
function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
      i++; // the ';'
    } else {
      const j = line.indexOf(';', i);
      out.push(line.slice(i, j < 0 ? line.length : j));
      i = j < 0 ? line.length + 1 : j + 1;
    }
  }
  return out;
}

// Answer ids are not unique across intents (the general_* answers reuse them): a row is id, intent and text.
const rows = new Map<string, [number, string, string]>();
for (const fold of readdirSync(CV).filter((d) => d.startsWith('KFold_')).sort()) {
  const dir = join(CV, fold, 'testset/csv');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
    const [head, ...lines] = readFileSync(join(dir, file), 'utf8').split(/\r?\n/);
    const cols = fields(head!);
    const at = (name: string): number => cols.indexOf(name);
    for (const line of lines) {
      if (!line.trim()) continue;
      const f = fields(line);
      const id = Number(f[at('answerid')]);
      const text = (f[at('answer_from_anno')] ?? '').replace(/\s+/g, ' ').trim();
      if (!Number.isInteger(id) || !text) continue;
      const intent = `${f[at('scenario')]}_${f[at('intent')]}`;
      rows.set(`${id}\t${intent}\t${text}`, [id, intent, text]);
    }
  }
}
const sorted = [...rows.values()].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
const out = ['id\tintent\ttext', ...sorted.map(([id, intent, text]) => `${id}\t${intent}\t${text}`)];
writeFileSync(new URL('../data/needs/hwu64.tsv', import.meta.url), out.join('\n') + '\n');
console.error(`wrote ${rows.size} rows, ${new Set(sorted.map(([, i]) => i)).size} intents`);
