// Builds the whole model file from the data directory: needs (taxonomy + Bitext + "no need" texts) and the
// sentiment layer (data/sentiment/vader-train.tsv when present). `npm run train` calls this.
import { existsSync, readFileSync } from 'node:fs';
import { MODEL_FORMAT, modelVersion, type ModelFile } from './model-file.js';
import { trainNeeds, type NeedsTrainingOptions } from './train-needs.js';
import { trainSupportSentiment, type SentimentExample } from './train-sentiment.js';
import { loadTrainingData } from './training-data.js';
import type { SentimentLabel } from '../domain/types.js';

export const DEFAULT_NEEDS_DIR = new URL('../../data/needs/', import.meta.url);
export const DEFAULT_SENTIMENT_FILE = new URL('../../data/sentiment/vader-train.tsv', import.meta.url);
export const DEFAULT_SENTIMENT_DIR = new URL('../../data/sentiment/', import.meta.url);

const LABELS = new Set(['negative', 'neutral', 'positive']);

/**
 * Every sentiment training row of a directory: vader-train.tsv (sets tweets/amazon/movies/nyt), goemotions-train.tsv,
 * support-train.tsv (weak labels) and support-examples.tsv (hand-written); missing files are skipped.
 */
export function readSentimentDir(dir: URL = DEFAULT_SENTIMENT_DIR): SentimentExample[] {
  const out: SentimentExample[] = [];
  const vader = new URL('vader-train.tsv', dir);
  if (existsSync(vader)) out.push(...readSentimentTrain(vader).map((r) => ({ ...r, set: `vader-${r.set}` })));
  const table = (name: string, labelCol: number, textCol: number, set: (cols: string[]) => string): void => {
    const file = new URL(name, dir);
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.split('\t');
      const label = cols[labelCol];
      const text = cols.slice(textCol).join('\t').trim();
      if (label && LABELS.has(label) && text) out.push({ set: set(cols), text, label: label as SentimentLabel });
    }
  };
  table('goemotions-train.tsv', 1, 2, () => 'goemotions');
  table('support-train.tsv', 1, 2, (c) => `support-${c[0]}`);
  table('support-examples.tsv', 0, 1, () => 'support-hand');
  return out;
}

function ratingLabel(r: number): SentimentLabel {
  return r > 0.05 ? 'positive' : r < -0.05 ? 'negative' : 'neutral';
}

export function readSentimentTrain(file: URL): SentimentExample[] {
  const out: SentimentExample[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [set, , rating, ...rest] = line.split('\t');
    const r = Number(rating);
    if (!set || !Number.isFinite(r)) continue;
    out.push({ set, text: rest.join('\t'), label: ratingLabel(r) });
  }
  return out;
}

export interface TrainOptions {
  needsDir?: URL;
  /** Directory of sentiment training files (readSentimentDir); null = no sentiment layer (rules only). */
  sentimentDir?: URL | null;
  needs?: NeedsTrainingOptions;
}

export function trainModel(opts: TrainOptions = {}): ModelFile {
  const dir = opts.needsDir ?? DEFAULT_NEEDS_DIR;
  const data = loadTrainingData(dir);
  const needs = trainNeeds(data, opts.needs);
  // sentimentDir null = rules only; the layer is the support-tuned logistic one (support-sentiment.ts).
  const sentimentDir = opts.sentimentDir === undefined ? DEFAULT_SENTIMENT_DIR : opts.sentimentDir;
  const sentimentRows = sentimentDir ? readSentimentDir(sentimentDir) : [];
  const sentiment = sentimentRows.length > 0 ? trainSupportSentiment(sentimentRows) : null;
  const body = {
    format: MODEL_FORMAT,
    taxonomy: { version: data.taxonomy.version, needs: data.taxonomy.needs.map((n) => n.name), threshold: data.taxonomy.threshold },
    needs,
    sentiment,
    trainingData: {
      bitextRows: data.bitext.length,
      noneTexts: data.none.length,
      publicRows: Object.fromEntries(
        [...data.labelled.reduce((m, r) => m.set(r.source, (m.get(r.source) ?? 0) + 1), new Map<string, number>())].sort(),
      ),
      taxonomyExamples: data.taxonomy.needs.reduce((s, n) => s + n.examples.length, 0),
      sentimentRows: Object.fromEntries(
        [...sentimentRows.reduce((m, r) => m.set(r.set, (m.get(r.set) ?? 0) + 1), new Map<string, number>())].sort(),
      ),
    },
  };
  return { ...body, version: modelVersion(body), trainedAt: new Date().toISOString() };
}
