// The needs scorer: the parameters of a trained natural BayesClassifier, read into flat arrays so a message is
// scored by summing a few numbers (pure). Confidences are the classifier's posteriors softened by a temperature;
// needs below the threshold are dropped, so an empty list means no need (greetings, thanks, chit-chat, out of
// scope). Several needs in one message: each clause is scored too and may add a need of its own.
import { FeatureExtractor } from './features.js';
import type { NeedScore } from './types.js';

export const NONE = 'none';

/** What the model file holds for needs. */
export interface NeedsParams {
  /** Class names, `none` among them. */
  classes: string[];
  /** log P(class) as natural's BayesClassifier computes it. */
  logPrior: number[];
  /** log(smoothing / classTotal): a feature never seen with the class. */
  logUnseen: number[];
  /** Per feature, log P(feature | class) for every class (same order as `classes`). */
  features: Record<string, number[]>;
  /** Words of the training data, for spelling correction. */
  vocabulary: string[];
  /** Posteriors are softened by temperature × (known features)^temperaturePower: long texts sum more evidence. */
  temperature: number;
  temperaturePower: number;
  threshold: number;
  /** Extra confidence a need found only in one clause must reach. */
  clauseMargin: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class NeedsScorer {
  readonly classes: string[];
  private readonly noneIndex: number;
  private readonly logPrior: Float64Array;
  private readonly logUnseen: Float64Array;
  private readonly table: Map<string, Float64Array>;
  readonly extractor: FeatureExtractor;

  constructor(private readonly params: NeedsParams) {
    this.classes = params.classes;
    this.noneIndex = params.classes.indexOf(NONE);
    this.logPrior = Float64Array.from(params.logPrior);
    this.logUnseen = Float64Array.from(params.logUnseen);
    this.table = new Map(Object.entries(params.features).map(([f, v]) => [f, Float64Array.from(v)]));
    this.extractor = new FeatureExtractor({ vocabulary: params.vocabulary });
  }

  /** natural's Bayes log-scores for a feature list (unknown features are ignored, as natural does). */
  logScores(features: string[]): Float64Array {
    const k = this.classes.length;
    const s = Float64Array.from(this.logPrior);
    for (const f of features) {
      const row = this.table.get(f);
      if (!row) continue;
      for (let c = 0; c < k; c++) s[c]! += row[c]!;
    }
    return s;
  }

  /** Posteriors with the temperature applied (sum to 1). */
  posteriors(features: string[], temperature?: number): Float64Array {
    const s = this.logScores(features);
    temperature ??= this.temperatureFor(this.known(features));
    let max = -Infinity;
    for (const v of s) if (v > max) max = v;
    let sum = 0;
    const inv = 1 / temperature;
    for (let c = 0; c < s.length; c++) {
      s[c] = Math.exp((s[c]! - max) * inv);
      sum += s[c]!;
    }
    for (let c = 0; c < s.length; c++) s[c]! /= sum;
    return s;
  }

  private temperatureFor(known: number): number {
    return this.params.temperature * Math.max(1, known) ** this.params.temperaturePower;
  }

  private known(features: string[]): number {
    let n = 0;
    for (const f of features) if (this.table.has(f)) n++;
    return n;
  }

  /** Needs of a message given as clauses of lower-case words (see tokens.ts `clauses`). */
  classify(clauses: string[][]): NeedScore[] {
    const all = clauses.length === 1 ? clauses[0]! : clauses.flat();
    const found = new Map<string, number>();
    const whole = this.extractor.features(this.extractor.normalWords(all));
    const knownWhole = this.known(whole);
    if (knownWhole === 0) return [];
    const p = this.posteriors(whole, this.temperatureFor(knownWhole));
    for (let c = 0; c < p.length; c++) {
      if (c !== this.noneIndex && p[c]! >= this.params.threshold) found.set(this.classes[c]!, p[c]!);
    }
    if (clauses.length > 1) {
      for (const clause of clauses) {
        const normal = this.extractor.normalWords(clause);
        if (normal.length < 2) continue;
        const feats = this.extractor.features(normal);
        const k = this.known(feats);
        if (k < 2) continue;
        const q = this.posteriors(feats, this.temperatureFor(k));
        for (let c = 0; c < q.length; c++) {
          if (c === this.noneIndex || q[c]! < this.params.threshold + this.params.clauseMargin) continue;
          const name = this.classes[c]!;
          found.set(name, Math.max(found.get(name) ?? 0, q[c]!));
        }
      }
    }
    return [...found].map(([need, confidence]) => ({ need, confidence: round3(confidence) })).sort((a, b) => b.confidence - a.confidence);
  }
}


// Kept for callers of the first tagger's module.
export { parseBitextCsv } from './training-data.js';
