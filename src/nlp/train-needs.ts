// Trains the needs classifier: natural's BayesClassifier over the features of features.ts, on the taxonomy's
// Bitext intents and example phrases, the "no need" texts, and chat-like variants of them (shorthand, dropped
// function words, one typo). Its parameters are then read out into NeedsParams for the fast scorer (pure but CPU).
import { FeatureExtractor, vocabularyWords } from './features.js';
import natural from './natural.js';
import { NONE, type NeedsParams } from './needs.js';
import { tokenize, words } from './tokens.js';
import type { TrainingData } from './training-data.js';
import { rng } from '../random.js';

export interface NeedsTrainingOptions {
  temperature?: number;
  temperaturePower?: number;
  threshold?: number;
  clauseMargin?: number;
  /** Add chat-like variants of every example. */
  augment?: boolean;
  /** Seed of the deterministic variants. */
  seed?: number;
  /** Train the need / no-need gate (default on). */
  gate?: boolean;
  gateThreshold?: number;
}

export interface LabelledDoc {
  words: string[];
  label: string;
}

const FUNCTION_WORDS = new Set([
  'i', 'me', 'my', 'a', 'an', 'the', 'to', 'of', 'for', 'in', 'on', 'with', 'is', 'am', 'are', 'be', 'can', 'could',
  'would', 'you', 'your', 'please', 'help', 'need', 'want', 'like', 'some', 'do', 'does', 'how', 'what', 'it',
  'this', 'that', 'assistance', 'tell', 'show', 'let', 'know', 'wanna', 'id', "i'd", "i'm", 'im', 'just', 'will',
  'have', 'has', 'there', 'any', 'where', 'am', 'see', 'way', 'possible', 'information', 'info', 'about', 'and',
]);


function typo(word: string, r: () => number): string {
  if (word.length < 5) return word;
  const i = 1 + Math.floor(r() * (word.length - 2));
  const op = r();
  if (op < 0.4) return word.slice(0, i) + word.slice(i + 1); // drop a letter
  if (op < 0.7) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2); // swap two
  return word.slice(0, i) + word[i] + word.slice(i); // double one
}

/** Chat-like variants: the content words only (short messages), and one typo in a content word. */
export function chatVariants(ws: string[], r: () => number): string[][] {
  const out: string[][] = [];
  const content = ws.filter((w) => !FUNCTION_WORDS.has(w));
  if (content.length >= 1 && content.length < ws.length) out.push(content);
  const idx = ws.map((w, i) => (w.length >= 5 && !FUNCTION_WORDS.has(w) ? i : -1)).filter((i) => i >= 0);
  if (idx.length > 0) {
    const j = idx[Math.floor(r() * idx.length)]!;
    out.push(ws.map((w, i) => (i === j ? typo(w, r) : w)));
  }
  return out;
}

export function textWords(text: string): string[] {
  return words(tokenize(text));
}

/** The labelled documents: Bitext rows mapped to needs, taxonomy examples and "no need" texts. */
export function trainingDocs(data: TrainingData): LabelledDoc[] {
  const intentToNeed = new Map<string, string>();
  for (const need of data.taxonomy.needs) for (const intent of need.bitextIntents) intentToNeed.set(intent, need.name);
  const docs: LabelledDoc[] = [];
  for (const [text, intent] of data.bitext) {
    const need = intentToNeed.get(intent);
    if (need) docs.push({ words: textWords(text), label: need });
  }
  for (const need of data.taxonomy.needs) for (const ex of need.examples) docs.push({ words: textWords(ex), label: need.name });
  for (const text of data.none) docs.push({ words: textWords(text), label: NONE });
  return docs.filter((d) => d.words.length > 0);
}

export function trainNeeds(data: TrainingData, opts: NeedsTrainingOptions = {}): NeedsParams {
  const docs = trainingDocs(data);
  // Vocabulary for spelling correction: words seen at least twice in clean training text.
  const counts = new Map<string, number>();
  for (const d of docs) for (const w of vocabularyWords(d.words)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const vocabulary = [...counts].filter(([w, n]) => n >= 1 && /^[a-z]+$/.test(w) && w.length >= 3).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  const fx = new FeatureExtractor({ vocabulary });

  const r = rng(opts.seed ?? 42);
  const examples: Array<{ features: string[]; label: string }> = [];
  for (const d of docs) {
    examples.push({ features: fx.features(fx.normalWords(d.words)), label: d.label });
    if (opts.augment !== false) {
      for (const v of chatVariants(d.words, r)) examples.push({ features: fx.features(fx.normalWords(v)), label: d.label });
    }
  }

  const { classifier, featureNames } = fitBayes(examples);
  const params = extractParams(classifier, featureNames, vocabulary, { threshold: data.taxonomy.threshold, ...opts });
  if (opts.gate !== false && examples.some((e) => e.label === NONE)) {
    // The gate: the same features, two classes (some need / no need). Out-of-scope text is spread thin over the
    // needs but looks like the broad "no need" data, which a two-class model sees better.
    const gate = fitBayes(examples.map((e) => ({ features: e.features, label: e.label === NONE ? NONE : 'need' })));
    const g = extractParams(gate.classifier, gate.featureNames, [], {});
    params.gate = { classes: g.classes, logPrior: g.logPrior, features: g.features, threshold: opts.gateThreshold ?? 0.5 };
  }
  return params;
}

function fitBayes(examples: Array<{ features: string[]; label: string }>): { classifier: InstanceType<typeof natural.BayesClassifier>; featureNames: string[] } {
  // natural's BayesClassifier, fed feature lists. Its textToFeatures (a dense 0/1 vector built by searching every
  // document for every feature) is replaced by an equivalent that sets only the document's own features in a
  // reused 0/1 array of the same length, so training stays fast on a large vocabulary; the counting is natural's.
  const classifier = new natural.BayesClassifier();
  for (const e of examples) if (e.features.length > 0) classifier.addDocument(e.features, e.label);
  const featureNames = Object.keys((classifier as unknown as { features: Record<string, number> }).features);
  const index = new Map(featureNames.map((f, i) => [f, i]));
  const buffer: number[] = new Array<number>(featureNames.length).fill(0);
  let set: number[] = [];
  (classifier as unknown as { textToFeatures: (obs: string[]) => number[] }).textToFeatures = (obs) => {
    for (const i of set) buffer[i] = 0;
    set = [];
    for (const f of obs) {
      const i = index.get(f);
      if (i !== undefined && buffer[i] === 0) {
        buffer[i] = 1;
        set.push(i);
      }
    }
    return buffer;
  };
  classifier.train();
  return { classifier, featureNames };
}

interface ApparatusBayes {
  classFeatures: Record<string, Record<string, number>>;
  classTotals: Record<string, number>;
  totalExamples: number;
  smoothing: number;
}

/** Reads a trained natural BayesClassifier's counts into log-probabilities (the same arithmetic it uses). */
export function extractParams(
  classifier: InstanceType<typeof natural.BayesClassifier>,
  featureNames: string[],
  vocabulary: string[],
  opts: NeedsTrainingOptions = {},
): NeedsParams {
  const nb = (classifier as unknown as { classifier: ApparatusBayes }).classifier;
  const classes = Object.keys(nb.classFeatures).sort();
  const logPrior = classes.map((c) => Math.log(nb.classTotals[c]! / nb.totalExamples));
  const logUnseen = classes.map((c) => Math.log(nb.smoothing / nb.classTotals[c]!));
  const features: Record<string, number[]> = {};
  for (const [i, f] of featureNames.entries()) {
    features[f] = classes.map((c, ci) => {
      const count = nb.classFeatures[c]![i];
      const v = count ? Math.log(count / nb.classTotals[c]!) : logUnseen[ci]!;
      return Math.round(v * 1e5) / 1e5;
    });
  }
  return {
    classes,
    logPrior,
    logUnseen,
    features,
    vocabulary,
    temperature: opts.temperature ?? 1,
    temperaturePower: opts.temperaturePower ?? 0.7,
    threshold: opts.threshold ?? 0.5,
    clauseMargin: opts.clauseMargin ?? 0.1,
  };
}
