// The needs scorer: the parameters of a trained linear model (multinomial logistic regression, or a natural
// BayesClassifier read out of natural), in flat tables so a message is scored by summing a few numbers (pure). A
// need / no-need gate decides whether there is a need at all; an empty list means no need (greetings, thanks,
// chit-chat, out of scope). Several needs in one message: each clause is scored too and may add a need of its own.
import { charGrams, FeatureExtractor, STOP_STEMS } from './features.js';
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
  /** A need only one clause gives (not the whole message) must reach this confidence. */
  clauseFloor?: number;
  /** In a message of several clauses that name needs, keep only needs some clause names. */
  clausesFirst?: boolean;
  /** A need whose confidence (P(need) × share) is below this is dropped (the model cannot tell which need). */
  minConfidence?: number;
  /** The main model is a multinomial logistic regression: posteriors without temperature. */
  logistic?: boolean;
  /** Extra confidence a need found only in one clause must reach. */
  clauseMargin: number;
  /**
   * One multinomial model with `none` as a class of its own (no gate): the top class decides whether there is a
   * need; other needs join when their probability reaches the threshold.
   */
  explicitNone?: boolean;
  /** With explicitNone: a need only one clause gives needs at least this probability in the whole message. */
  clauseSupport?: number;
  /** The shorthand table the model was trained with (data/needs/shorthand.json); absent = the built-in one. */
  shorthand?: Record<string, string>;
  /** Character n-gram lengths of the features (absent = none). */
  charNgrams?: number[];
  /**
   * A second natural BayesClassifier over the same features with two classes, some need / no need: a message
   * (or clause) states a need only if P(need) reaches its threshold; which needs is then read from the main model
   * without its `none` class.
   */
  gate?: { classes: string[]; logPrior: number[]; features: Record<string, number[]>; threshold: number; logistic?: boolean };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class NeedsScorer {
  readonly classes: string[];
  private readonly noneIndex: number;
  private readonly logPrior: Float64Array;
  private readonly logUnseen: Float64Array;
  private readonly table: Map<string, Float64Array>;
  private readonly gate: { needIndex: number; logPrior: Float64Array; table: Map<string, Float64Array>; threshold: number; logistic: boolean } | null;
  /** Stem pairs: first stem → second stem → row. */
  private readonly pairs = new Map<string, Map<string, Float64Array>>();
  readonly extractor: FeatureExtractor;
  private readonly grams: readonly number[];
  private readonly gramBuf: string[] = [];

  constructor(private readonly params: NeedsParams) {
    this.classes = params.classes;
    this.noneIndex = params.classes.indexOf(NONE);
    this.logPrior = Float64Array.from(params.logPrior);
    this.logUnseen = Float64Array.from(params.logUnseen);
    this.table = new Map(Object.entries(params.features).map(([f, v]) => [f, Float64Array.from(v)]));
    this.extractor = new FeatureExtractor({
      vocabulary: params.vocabulary,
      ...(params.shorthand ? { shorthand: Object.assign(Object.create(null) as Record<string, string>, params.shorthand) } : {}),
      ...(params.charNgrams ? { charNgrams: params.charNgrams } : {}),
    });
    this.grams = params.charNgrams ?? [];
    this.gate = params.gate
      ? {
          needIndex: params.gate.classes.indexOf('need'),
          logPrior: Float64Array.from(params.gate.logPrior),
          table: new Map(Object.entries(params.gate.features).map(([f, v]) => [f, Float64Array.from(v)])),
          threshold: params.gate.threshold,
          logistic: params.gate.logistic === true,
        }
      : null;
    for (const [f, row] of this.table) {
      const i = f.indexOf('_');
      if (i <= 0) continue;
      const a = f.slice(0, i);
      let m = this.pairs.get(a);
      if (!m) this.pairs.set(a, (m = new Map()));
      m.set(f.slice(i + 1), row);
    }
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

  /** Sums log P(feature | class) over one clause's features (each feature once per message, as natural counts). */
  private accumulate(normal: string[], seen: Set<string>, acc: Float64Array, gacc: Float64Array): number {
    const k = acc.length;
    const gate = this.gate;
    let known = 0;
    let prev: string | null = null;
    for (const w of normal) {
      const stem = w === '#num' ? w : this.extractor.stem(w);
      if (!seen.has(stem) && !STOP_STEMS.has(stem)) {
        seen.add(stem);
        const row = this.table.get(stem);
        if (row) {
          for (let c = 0; c < k; c++) acc[c]! += row[c]!;
          known++;
          const g = gate?.table.get(stem);
          if (g) for (let c = 0; c < g.length; c++) gacc[c]! += g[c]!;
        }
      }
      if (this.grams.length > 0 && w !== '#num' && !STOP_STEMS.has(stem)) {
        const grams = this.gramBuf;
        grams.length = 0;
        charGrams(w, this.grams, grams);
        for (const gram of grams) {
          if (seen.has(gram)) continue;
          seen.add(gram);
          const row = this.table.get(gram);
          if (row) {
            for (let c = 0; c < k; c++) acc[c]! += row[c]!;
            known++;
          }
        }
      }
      if (prev !== null) {
        const row = this.pairs.get(prev)?.get(stem);
        if (row) {
          const key = `${prev}_${stem}`;
          if (!seen.has(key)) {
            seen.add(key);
            for (let c = 0; c < k; c++) acc[c]! += row[c]!;
            known++;
            const g = gate?.table.get(key);
            if (g) for (let c = 0; c < g.length; c++) gacc[c]! += g[c]!;
          }
        }
      }
      prev = stem;
    }
    return known;
  }

  private softmax(acc: Float64Array, known: number, prior: Float64Array = this.logPrior, temperature = true): Float64Array {
    const k = acc.length;
    const inv = temperature ? 1 / this.temperatureFor(known) : 1;
    const p = new Float64Array(k);
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      p[c] = prior[c]! + acc[c]!;
      if (p[c]! > max) max = p[c]!;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      p[c] = Math.exp((p[c]! - max) * inv);
      sum += p[c]!;
    }
    for (let c = 0; c < k; c++) p[c]! /= sum;
    return p;
  }

  /**
   * Needs from one scored text: with the gate, none unless P(need) reaches its threshold, then the strongest need
   * and any other whose share of the needs reaches the threshold (confidence = P(need) × share); without it, every
   * need whose posterior reaches the threshold.
   */
  private decide(acc: Float64Array, gacc: Float64Array, known: number, threshold: number, into: Map<string, number>): void {
    const k = acc.length;
    const p = this.softmax(acc, known, this.logPrior, this.params.logistic !== true);
    if (this.params.explicitNone) {
      let top = 0;
      for (let c = 1; c < k; c++) if (p[c]! > p[top]!) top = c;
      if (top === this.noneIndex) return;
      for (let c = 0; c < k; c++) {
        if (c === this.noneIndex || (c !== top && p[c]! < threshold) || p[c]! < (this.params.minConfidence ?? 0)) continue;
        const name = this.classes[c]!;
        into.set(name, Math.max(into.get(name) ?? 0, p[c]!));
      }
      return;
    }
    if (!this.gate) {
      for (let c = 0; c < k; c++) if (c !== this.noneIndex && p[c]! >= threshold) into.set(this.classes[c]!, Math.max(into.get(this.classes[c]!) ?? 0, p[c]!));
      return;
    }
    const pNeed = this.softmax(gacc, known, this.gate.logPrior, !this.gate.logistic)[this.gate.needIndex]!;
    if (pNeed < this.gate.threshold) return;
    let mass = 0;
    let top = -1;
    for (let c = 0; c < k; c++) {
      if (c === this.noneIndex) continue;
      mass += p[c]!;
      if (top < 0 || p[c]! > p[top]!) top = c;
    }
    for (let c = 0; c < k; c++) {
      if (c === this.noneIndex) continue;
      const share = mass > 0 ? p[c]! / mass : 0;
      if (c !== top && share < threshold) continue;
      if (pNeed * share < (this.params.minConfidence ?? 0)) continue;
      const name = this.classes[c]!;
      into.set(name, Math.max(into.get(name) ?? 0, pNeed * share));
    }
  }

  /**
   * Needs of a message given as clauses of lower-case words (see tokens.ts `clauses`). The message is scored
   * whole (the sum of its clauses); each clause is scored alone too and may add a need of its own.
   */
  classify(clauseList: string[][]): NeedScore[] {
    const k = this.classes.length;
    const g = this.gate ? this.gate.logPrior.length : 0;
    const total = new Float64Array(k);
    const gtotal = new Float64Array(g);
    const seen = new Set<string>();
    let knownTotal = 0;
    const parts: Array<{ acc: Float64Array; gacc: Float64Array; known: number; normal: string[] }> = [];
    for (const clause of clauseList) {
      const normal = this.extractor.normalWords(clause);
      const acc = new Float64Array(k);
      const gacc = new Float64Array(g);
      const known = this.accumulate(normal, clauseList.length > 1 ? new Set() : seen, acc, gacc);
      parts.push({ acc, gacc, known, normal });
    }
    if (clauseList.length > 1) {
      // The whole message is the sum of its clauses (a feature in two clauses counts twice; stem pairs across a
      // clause boundary are not counted): one pass over the words instead of two.
      for (const part of parts) {
        knownTotal += part.known;
        for (let c = 0; c < k; c++) total[c]! += part.acc[c]!;
        for (let c = 0; c < g; c++) gtotal[c]! += part.gacc[c]!;
      }
    } else if (parts[0]) {
      knownTotal = parts[0].known;
      total.set(parts[0].acc);
      gtotal.set(parts[0].gacc);
    }
    if (knownTotal === 0) return [];
    const found = new Map<string, number>();
    this.decide(total, gtotal, knownTotal, this.params.threshold, found);
    if (parts.length > 1) {
      const byClause = new Map<string, number>();
      for (const part of parts) {
        if (part.normal.length < 2 || part.known < 2) continue;
        this.decide(part.acc, part.gacc, part.known, this.params.threshold + this.params.clauseMargin, byClause);
      }
      if (this.params.clausesFirst && byClause.size > 0) {
        // The clauses name needs of their own: a need only the whole message gives (its words pulled together
        // from different requests) is dropped.
        for (const need of [...found.keys()]) if (!byClause.has(need)) found.delete(need);
      }
      const floor = this.params.clauseFloor ?? 0;
      // With `none` a class of its own, a need only one clause gives must also keep some probability in the whole
      // message ("i ordered by mistake, can u cancel it" is a cancellation, not also an order).
      const support = this.params.explicitNone ? this.params.clauseSupport ?? 0 : 0;
      const pWhole = support > 0 ? this.softmax(total, knownTotal, this.logPrior, false) : null;
      for (const [need, c] of byClause) {
        const whole = found.get(need);
        if (whole === undefined && c < floor) continue;
        if (whole === undefined && pWhole && pWhole[this.classes.indexOf(need)]! < support) continue;
        found.set(need, Math.max(whole ?? 0, c));
      }
    }
    return [...found].map(([need, confidence]) => ({ need, confidence: round3(confidence) })).sort((a, b) => b.confidence - a.confidence);
  }
}


// Kept for callers of the first tagger's module.
export { parseBitextCsv } from './training-data.js';
