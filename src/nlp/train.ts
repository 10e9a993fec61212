// Builds the whole model file from the data directory: needs (taxonomy + Bitext + "no need" texts) and the
// sentiment layer (data/sentiment/vader-train.tsv when present). `npm run train` calls this.
import { existsSync, readFileSync } from 'node:fs';
import { MODEL_FORMAT, modelVersion, type ModelFile } from './model-file.js';
import { trainNeeds, type NeedsTrainingOptions } from './train-needs.js';
import { trainSentiment, type SentimentExample } from './train-sentiment.js';
import { loadTrainingData } from './training-data.js';
import type { SentimentLabel } from '../domain/types.js';

export const DEFAULT_NEEDS_DIR = new URL('../../data/needs/', import.meta.url);
export const DEFAULT_SENTIMENT_FILE = new URL('../../data/sentiment/vader-train.tsv', import.meta.url);

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
  /** null = no sentiment layer (rules only). */
  sentimentFile?: URL | null;
  needs?: NeedsTrainingOptions;
}

export function trainModel(opts: TrainOptions = {}): ModelFile {
  const dir = opts.needsDir ?? DEFAULT_NEEDS_DIR;
  const data = loadTrainingData(dir);
  const needs = trainNeeds(data, opts.needs);
  const sentimentFile = opts.sentimentFile === undefined ? DEFAULT_SENTIMENT_FILE : opts.sentimentFile;
  const sentimentRows = sentimentFile && existsSync(sentimentFile) ? readSentimentTrain(sentimentFile) : [];
  const sentiment = sentimentRows.length > 0 ? trainSentiment(sentimentRows) : null;
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
      sentimentRows: sentimentRows.length,
    },
  };
  return { ...body, version: modelVersion(body), trainedAt: new Date().toISOString() };
}
