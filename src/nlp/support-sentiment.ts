// Sentiment tuned for support chat: a three-class logistic regression (negative / neutral / positive) over the
// rule score of sentiment.ts, stems with negation marked, and support cues: service failures (delays, waiting, on
// hold, lost, broken, charged twice, still, again, no answer) read negative without sentiment words; a closing
// "thanks" in a message that reports a failure is not praise; questions and requests lean neutral. Trained on
// real labelled text (VADER sets, GoEmotions, support queries with weak labels from their intent, and a few
// hand-written support messages); scored in the tagger (pure once constructed).
import type { SentimentLabel } from '../domain/index.js';
import { emojiValence, emoticonValence, shortcodeValence } from './emoji.js';
import type { FeatureExtractor } from './features.js';
import type { LexiconSentimentLayer, RuleScore } from './sentiment.js';
import type { Token } from './tokens.js';

/** The trained layer a model file holds: the first models' lexicon layer, or the support-tuned logistic one. */
export type SentimentLayer = LexiconSentimentLayer | LogisticSentimentLayer;

/** The trained model as the model file stores it. */
export interface LogisticSentimentLayer {
  kind: 'logistic';
  classes: SentimentLabel[];
  bias: number[];
  /** Per feature, one weight per class (same order as `classes`). */
  weights: Record<string, number[]>;
}

// Words that report a service failure on their own (after lower-casing; matched as whole words).
export const FAILURE_WORDS: ReadonlySet<string> = new Set([
  'delay', 'delayed', 'delays', 'late', 'later', 'hold', 'waiting', 'waited', 'wait', 'hours', 'hrs', 'lost', 'losing',
  'missing', 'broken', 'broke', 'crash', 'crashed', 'crashes', 'crashing', 'stuck', 'still', 'again', 'nobody',
  'cancelled', 'canceled', 'twice', 'declined', 'failed', 'fails', 'failing', 'failure', 'error', 'errors', 'wrong',
  'damaged', 'overbooked', 'rebook', 'rebooked', 'stranded', 'misplaced', 'disconnected', 'frozen', 'freezes',
  'glitch', 'bug', 'bugs', 'outage', 'down', 'unable', 'charged', 'overcharged', 'refused', 'ignored', 'ignoring',
  'nothing', 'never', 'yet', 'days', 'weeks', 'months', 'forever', 'lag', 'lagging', 'spinning', 'expired', 'happens',
  'happening', 'keeps', 'anymore', 'slow', 'unhelpful', 'rude', 'long', 'unresponsive', 'unanswered',
]);
const RESOLVED = new Set(['fixed', 'solved', 'resolved', 'sorted', 'nvm']);
const THANKS = new Set(['thanks', 'thank', 'thx', 'ty', 'tysm', 'thanx', 'thnx', 'cheers', 'appreciate', 'appreciated']);
const NEGATORS = /^(not|no|never|cannot|cant|dont|doesnt|didnt|wont|isnt|wasnt|arent|couldnt|wouldnt|havent|hasnt|nt)$/;

/** The features of one English message for the logistic layer (name → value). */
export function supportSentimentFeatures(tokens: Token[], rule: RuleScore, stems: string[]): Map<string, number> {
  const f = new Map<string, number>();
  let fail = 0;
  let thanks = false;
  let thankWords = 0;
  let question = false;
  let bang = false;
  let negated = false;
  let prevNeg = false;
  let resolved = false;
  let emojiPos = false;
  let emojiNeg = false;
  let prev = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'question') question = true;
    else if (t.kind === 'bang') bang = true;
    else if (t.kind === 'emoji' || t.kind === 'emoticon' || t.kind === 'shortcode') {
      // An emoji says how the writer feels more plainly than words do.
      const v = t.kind === 'emoji' ? emojiValence(t.value) : t.kind === 'emoticon' ? emoticonValence(t.value) : shortcodeValence(t.value);
      if (v !== undefined && v > 0) emojiPos = true;
      if (v !== undefined && v < 0) emojiNeg = true;
    }
    if (t.kind !== 'word') continue;
    const w = t.value.replace(/'/g, '');
    if (w === 'never' && tokens[i + 1]?.value === 'mind') {
      // "never mind" withdraws a question; it negates nothing.
      resolved ||= false;
      prev = 'nvm';
      continue;
    }
    if (FAILURE_WORDS.has(w)) fail++;
    if (THANKS.has(w)) {
      thanks = true;
      thankWords++;
    }
    // "fixed", "solved", "works now", "working again": the problem is gone (unless negated).
    if (RESOLVED.has(w) || ((prev === 'works' || prev === 'working') && (w === 'now' || w === 'again' || w === 'fine'))) resolved = !prevNeg;
    if ((NEGATORS.test(w) || (w.endsWith('nt') && t.value.endsWith("n't"))) && w !== 'nvm') {
      negated = true;
      prevNeg = true;
    } else if (prevNeg && !/^(it|is|be|been|yet|really|quite|so|even|all)$/.test(w)) prevNeg = false;
    prev = w;
  }
  if (emojiPos) f.set('@emoji+', 1);
  if (emojiNeg) f.set('@emoji-', 1);
  if (resolved) {
    f.set('@resolved', 1);
    fail = 0;
  }
  const complaint = !resolved && (fail > 0 || rule.negative < 0 || negated);
  for (const s of stems) {
    // A closing "thanks" after a failure is politeness, not praise.
    if (complaint && (s === 'thank' || s === 'thx' || s === 'cheer' || s === 'appreci')) continue;
    f.set(s, 1);
  }
  f.set('@bias', 1);
  // In a complaint, thanks words are politeness: the rule score is read without them (AFINN rates "thanks" +2).
  let positive = rule.positive;
  let sum = rule.sum;
  if (complaint && thanks) {
    const v = Math.min(positive, 2 * thankWords);
    positive -= v;
    sum -= v;
  }
  const c = complaint && thanks ? sum / Math.sqrt(sum * sum + 15) : rule.compound;
  f.set('@pos', Math.min(1, positive / 4));
  f.set('@neg', Math.min(1, -rule.negative / 4));
  f.set('@comp', c);
  // The rule score's own cut-offs (VADER's ±0.05) and strong scores, as indicators.
  if (c > 0.05) f.set('@comp>0.05', 1);
  if (c < -0.05) f.set('@comp<-0.05', 1);
  if (c > 0.5) f.set('@comp>0.5', 1);
  if (c < -0.5) f.set('@comp<-0.5', 1);
  if (rule.hits === 0) f.set('@nohit', 1);
  if (fail > 0) f.set('@fail', 1);
  if (fail > 1) f.set('@fail2', 1);
  if (negated) f.set('@negated', 1);
  if (question) f.set('@question', 1);
  if (bang) f.set('@bang', 1);
  if (thanks && !complaint) f.set('@thanks', 1);
  return f;
}

/** Class probabilities for a feature map. */
export function sentimentProbabilities(layer: LogisticSentimentLayer, features: Map<string, number>, weights: Map<string, number[]> = new Map(Object.entries(layer.weights))): number[] {
  const k = layer.classes.length;
  const z = layer.bias.slice();
  for (const [name, v] of features) {
    const row = weights.get(name);
    if (!row) continue;
    for (let c = 0; c < k; c++) z[c]! += row[c]! * v;
  }
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c]! - max));
  for (let c = 0; c < k; c++) z[c]! /= sum;
  return z;
}

export interface WeightedExample {
  features: Map<string, number>;
  label: SentimentLabel;
  weight: number;
}

/** Multinomial logistic regression (AdaGrad, L2, deterministic order) over weighted examples. */
export function fitSentiment(examples: WeightedExample[], opts: { l2?: number; epochs?: number; rate?: number; minCount?: number; r: () => number; shuffle: <T>(a: T[], r: () => number) => T[] }): LogisticSentimentLayer {
  const classes: SentimentLabel[] = ['negative', 'neutral', 'positive'];
  const K = 3;
  const l2 = opts.l2 ?? 1e-4;
  const epochs = opts.epochs ?? 6;
  const rate = opts.rate ?? 0.1;
  const counts = new Map<string, number>();
  for (const e of examples) for (const k of e.features.keys()) counts.set(k, (counts.get(k) ?? 0) + 1);
  const index = new Map<string, number>();
  for (const [k, n] of counts) if (n >= (opts.minCount ?? 3) || k.startsWith('@')) index.set(k, index.size);
  const docs = examples.map((e) => {
    const ids: number[] = [];
    const vals: number[] = [];
    for (const [k, v] of e.features) {
      const i = index.get(k);
      if (i !== undefined && v !== 0) {
        ids.push(i);
        vals.push(v);
      }
    }
    return { ids: Int32Array.from(ids), vals: Float64Array.from(vals), y: classes.indexOf(e.label), w: e.weight };
  });
  const F = index.size;
  const w = new Float64Array(F * K);
  const g2 = new Float64Array(F * K).fill(1e-8);
  const z = new Float64Array(K);
  const order = docs.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    opts.shuffle(order, opts.r);
    for (const di of order) {
      const d = docs[di]!;
      let max = -Infinity;
      for (let c = 0; c < K; c++) {
        let v = 0;
        for (let j = 0; j < d.ids.length; j++) v += w[d.ids[j]! * K + c]! * d.vals[j]!;
        z[c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < K; c++) sum += (z[c] = Math.exp(z[c]! - max));
      for (let c = 0; c < K; c++) {
        const g = (z[c]! / sum - (c === d.y ? 1 : 0)) * d.w;
        for (let j = 0; j < d.ids.length; j++) {
          const idx = d.ids[j]! * K + c;
          const gi = g * d.vals[j]! + l2 * w[idx]!;
          g2[idx]! += gi * gi;
          w[idx]! -= (rate * gi) / Math.sqrt(g2[idx]!);
        }
      }
    }
  }
  const weights: Record<string, number[]> = {};
  let bias = [0, 0, 0];
  for (const [k, i] of index) {
    const row = [0, 1, 2].map((c) => Math.round(w[i * K + c]! * 1e3) / 1e3);
    if (k === '@bias') bias = row;
    else if (row.some((v) => Math.abs(v) >= 0.01)) weights[k] = row;
  }
  return { kind: 'logistic', classes, bias, weights };
}

/** Stems for the layer: the same as the tagger's sentiment stems (negated words "not_<stem>"). */
export type StemsOf = (tokens: Token[], fx: FeatureExtractor) => string[];
