// The needs classifier: natural's Bayes classifier over Porter stems, trained from the taxonomy's data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import natural from './natural.js';
import { parseTaxonomy, type Taxonomy } from './taxonomy.js';
import type { NeedScore } from './types.js';

export const NONE = 'none';

export interface TrainingData {
  taxonomy: Taxonomy;
  /** Labelled Bitext rows: [text, intent]. */
  bitext: Array<[string, string]>;
  /** Texts that state no need (chit-chat, out of scope). */
  none: string[];
}

/** Parses the Bitext CSV (text,intent,category; quoted fields allowed). */
export function parseBitextCsv(csv: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const lines = csv.split(/\r?\n/);
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const m = /^(?:"((?:[^"]|"")*)"|([^"]*)),([a-z_]+),([A-Z_]+)$/.exec(line);
    if (!m) continue;
    rows.push([(m[1] ?? m[2] ?? '').replace(/""/g, '"'), m[3]!]);
  }
  return rows;
}

export function loadTrainingData(dir: URL): TrainingData {
  const taxonomy = parseTaxonomy(JSON.parse(readFileSync(new URL('taxonomy.json', dir), 'utf8')), 'data/needs/taxonomy.json');
  const bitext = parseBitextCsv(readFileSync(new URL('bitext-train.csv', dir), 'utf8'));
  const none = (JSON.parse(readFileSync(new URL('none-examples.json', dir), 'utf8')) as { texts: string[] }).texts;
  return { taxonomy, bitext, none };
}

export class NeedsClassifier {
  readonly version: string;
  private readonly classifier: InstanceType<typeof natural.BayesClassifier>;
  private readonly threshold: number;

  constructor(data: TrainingData) {
    const intentToNeed = new Map<string, string>();
    for (const need of data.taxonomy.needs) for (const intent of need.bitextIntents) intentToNeed.set(intent, need.name);
    this.classifier = new natural.BayesClassifier(natural.PorterStemmer);
    for (const [text, intent] of data.bitext) {
      const need = intentToNeed.get(intent);
      if (need) this.classifier.addDocument(text, need);
    }
    for (const need of data.taxonomy.needs) for (const ex of need.examples) this.classifier.addDocument(ex, need.name);
    for (const text of data.none) this.classifier.addDocument(text, NONE);
    this.classifier.train();
    this.threshold = data.taxonomy.threshold;
    const h = createHash('sha1').update(JSON.stringify(data)).digest('hex').slice(0, 10);
    this.version = `needs-nb-${h}`;
  }

  classify(text: string): NeedScore[] {
    const scored = this.classifier.getClassifications(text);
    const total = scored.reduce((s, c) => s + c.value, 0);
    if (!(total > 0)) return [];
    const out: NeedScore[] = [];
    for (const c of scored) {
      const confidence = c.value / total;
      if (c.label !== NONE && confidence >= this.threshold) out.push({ need: c.label, confidence: Math.round(confidence * 1000) / 1000 });
    }
    return out.sort((a, b) => b.confidence - a.confidence);
  }
}
