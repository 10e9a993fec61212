// Reads the training data a model is built from: the taxonomy, Bitext rows and "no need" texts (I/O at the edge).
import { readFileSync } from 'node:fs';
import { parseTaxonomy, type Taxonomy } from './taxonomy.js';

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
  for (const line of csv.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    const m = /^(?:"((?:[^"]|"")*)"|([^"]*)),([a-z_]+),([A-Z_]+)$/.exec(line);
    if (!m) continue;
    rows.push([(m[1] ?? m[2] ?? '').replace(/""/g, '"'), m[3]!]);
  }
  return rows;
}

/** Loads `taxonomy.json`, `bitext-train.csv` (optional) and `none-examples.json` from a data directory. */
export function loadTrainingData(dir: URL): TrainingData {
  const taxonomyUrl = new URL('taxonomy.json', dir);
  const taxonomy = parseTaxonomy(JSON.parse(readFileSync(taxonomyUrl, 'utf8')), taxonomyUrl.pathname);
  const needsBitext = taxonomy.needs.some((n) => n.bitextIntents.length > 0);
  const bitext = needsBitext ? parseBitextCsv(readFileSync(new URL('bitext-train.csv', dir), 'utf8')) : [];
  const none = (JSON.parse(readFileSync(new URL('none-examples.json', dir), 'utf8')) as { texts: string[] }).texts;
  return { taxonomy, bitext, none };
}
