// Reads the training data a model is built from: the taxonomy, Bitext rows and "no need" texts (I/O at the edge).
import { existsSync, readFileSync } from 'node:fs';
import { ModelError } from '../errors.js';
import { DEFAULT_SHORTHAND, parseShorthand } from './features.js';
import { parseTaxonomy, type Taxonomy } from './taxonomy.js';

export interface TrainingData {
  taxonomy: Taxonomy;
  /** Labelled Bitext rows: [text, intent]. */
  bitext: Array<[string, string]>;
  /** Texts that state no need (chit-chat, out of scope). */
  none: string[];
  /**
   * Real queries from public labelled sets mapped onto needs (public-examples.tsv: need, source, text); rows of
   * needs the taxonomy does not have are left out, `none` rows kept.
   */
  labelled: Array<{ text: string; need: string; source: string }>;
  /** Chat shorthand → words (shorthand.json, or the built-in table). */
  shorthand: Record<string, string>;
}

/** Parses public-examples.tsv (header need, source, text). */
export function parseLabelledTsv(tsv: string): Array<{ text: string; need: string; source: string }> {
  const out: Array<{ text: string; need: string; source: string }> = [];
  for (const line of tsv.split(/\r?\n/).slice(1)) {
    const [need, source, ...rest] = line.split('\t');
    const text = rest.join('\t').trim();
    if (need && source && text) out.push({ need, source, text });
  }
  return out;
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

/**
 * Loads `taxonomy.json`, `bitext-train.csv` (when the taxonomy names Bitext intents), `none-examples.json`, and,
 * when present, `public-examples.tsv` and `shorthand.json` from a data directory.
 */
export function loadTrainingData(dir: URL): TrainingData {
  const taxonomyUrl = new URL('taxonomy.json', dir);
  const taxonomy = parseTaxonomy(JSON.parse(readFileSync(taxonomyUrl, 'utf8')), taxonomyUrl.pathname);
  const needsBitext = taxonomy.needs.some((n) => n.bitextIntents.length > 0);
  const bitext = needsBitext ? parseBitextCsv(readFileSync(new URL('bitext-train.csv', dir), 'utf8')) : [];
  const none = (JSON.parse(readFileSync(new URL('none-examples.json', dir), 'utf8')) as { texts: string[] }).texts;
  const needs = new Set(taxonomy.needs.map((n) => n.name));
  const labelledUrl = new URL('public-examples.tsv', dir);
  const labelled = existsSync(labelledUrl) ? parseLabelledTsv(readFileSync(labelledUrl, 'utf8')).filter((r) => r.need === 'none' || needs.has(r.need)) : [];
  const shorthandUrl = new URL('shorthand.json', dir);
  let shorthand = DEFAULT_SHORTHAND;
  if (existsSync(shorthandUrl)) {
    try {
      shorthand = parseShorthand(JSON.parse(readFileSync(shorthandUrl, 'utf8')), shorthandUrl.pathname);
    } catch (err) {
      throw new ModelError((err as Error).message);
    }
  }
  return { taxonomy, bitext, none, labelled, shorthand };
}
