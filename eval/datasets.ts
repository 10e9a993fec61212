// Loads the public labelled sets from ../shared/data for evaluation (a dev tool; the product never reads them).
import { readFileSync } from 'node:fs';
import { parseBitextCsv } from '../src/nlp/training-data.js';
import type { SentimentLabel } from '../src/domain/types.js';

export const SHARED_DATA = new URL('../../shared/data/', import.meta.url);

export interface SentimentRow {
  id: string;
  rating: number;
  text: string;
  label: SentimentLabel;
}

export const VADER_SETS = ['tweets', 'amazon', 'movies', 'nyt'] as const;
export type VaderSet = (typeof VADER_SETS)[number];

/** VADER's three classes from the mean human rating. */
export function ratingLabel(rating: number): SentimentLabel {
  if (rating > 0.05) return 'positive';
  if (rating < -0.05) return 'negative';
  return 'neutral';
}

export function loadVader(set: VaderSet, dir: URL = SHARED_DATA): SentimentRow[] {
  const text = readFileSync(new URL(`vader-${set}.tsv`, dir), 'utf8');
  const rows: SentimentRow[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (!line.trim()) continue;
    const [id, rating, ...rest] = line.split('\t');
    const r = Number(rating);
    if (!id || !Number.isFinite(r)) continue;
    rows.push({ id, rating: r, text: rest.join('\t'), label: ratingLabel(r) });
  }
  return rows;
}

export function loadBitext(file: 'bitext-train.csv' | 'bitext-test.csv', dir: URL = SHARED_DATA): Array<[string, string]> {
  return parseBitextCsv(readFileSync(new URL(file, dir), 'utf8'));
}

export interface Clinc {
  train: Array<[string, string]>;
  val: Array<[string, string]>;
  test: Array<[string, string]>;
  oos_train: Array<[string, string]>;
  oos_val: Array<[string, string]>;
  oos_test: Array<[string, string]>;
}

export function loadClinc(dir: URL = SHARED_DATA): Clinc {
  return JSON.parse(readFileSync(new URL('clinc150.json', dir), 'utf8')) as Clinc;
}

/** Banking77 (`text,category`, texts may be quoted): [text, category] pairs of one split. */
export function loadBanking77(split: 'train' | 'test', dir: URL = SHARED_DATA): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of readFileSync(new URL(`banking77-${split}.csv`, dir), 'utf8').split(/\r?\n/).slice(1)) {
    const m = /^(?:"((?:[^"]|"")*)"|([^"]*)),([^,]+)$/.exec(line);
    if (m) out.push([(m[1] ?? m[2] ?? '').replace(/""/g, '"'), m[3]!]);
  }
  return out;
}
