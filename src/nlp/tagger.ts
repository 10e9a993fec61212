// The tagger the worker and `npm run tag` share: normalise, tokenise once, recognise the language, then
// sentiment (every message) and needs (customer messages), from the versioned model file.
import { FeatureExtractor } from './features.js';
import { LanguageDetector } from './language.js';
import { DEFAULT_MODEL_PATH, readModelFile, type ModelFile } from './model-file.js';
import { NeedsScorer } from './needs.js';
import { normalizeChatText } from './normalize.js';
import { EnglishLexicon, ForeignSentiment, hasLexicon, labelFor, roundScore, type LexiconSentimentLayer } from './sentiment.js';
import { sentimentProbabilities, supportSentimentFeatures, type LogisticSentimentLayer, type SentimentLayer } from './support-sentiment.js';
import { clauses, tokenize, words, type Token } from './tokens.js';
import type { Sentiment, TagInput, TagResult, Tagger } from './types.js';

/** The English analyser: rules over natural's lexicon, then the trained layer if the model has one. */
export class EnglishSentiment {
  private readonly lexicon = new EnglishLexicon();
  private readonly stems = new FeatureExtractor({ bigrams: false });
  private readonly layer: LexiconSentimentLayer | null;
  private readonly weights: Map<string, number>;
  private readonly logistic: LogisticSentimentLayer | null;
  private readonly rows: Map<string, number[]>;

  constructor(layer: SentimentLayer | null) {
    this.logistic = layer?.kind === 'logistic' ? layer : null;
    this.layer = layer && layer.kind !== 'logistic' ? layer : null;
    this.weights = new Map(Object.entries(this.layer?.stems ?? {}));
    this.rows = new Map(Object.entries(this.logistic?.weights ?? {}));
  }

  /** The layer's evidence from stems (negated words count as "not_<stem>"). */
  stemEvidence(tokens: Token[]): number {
    if (!this.layer) return 0;
    let d = 0;
    for (const f of sentimentFeatures(tokens, this.stems)) d += this.weights.get(f) ?? 0;
    return d;
  }

  score(tokens: Token[]): Sentiment {
    const rule = this.lexicon.score(tokens);
    if (this.logistic) {
      // Support-tuned layer: the most probable class; the score is P(positive) − P(negative).
      const L = this.logistic;
      const p = sentimentProbabilities(L, supportSentimentFeatures(tokens, rule, sentimentFeatures(tokens, this.stems)), this.rows);
      let top = 0;
      for (let c = 1; c < p.length; c++) if (p[c]! > p[top]!) top = c;
      const score = roundScore(p[L.classes.indexOf('positive')]! - p[L.classes.indexOf('negative')]!);
      return { score, label: L.classes[top]! };
    }
    if (!this.layer) {
      const score = roundScore(rule.compound);
      return { score, label: labelFor(score) };
    }
    const L = this.layer;
    const z = rule.compound * L.compoundWeight + L.bias + Math.tanh(this.stemEvidence(tokens) / L.evidenceScale) * L.evidenceWeight;
    const score = roundScore(Math.max(-1, Math.min(1, z)));
    if (rule.hits === 0) return { score, label: labelFor(score, L.silentCutoff, -L.silentCutoff) };
    return { score, label: labelFor(score, L.positiveCutoff, L.negativeCutoff) };
  }
}

const NEGATION_WINDOW = 3;

/** Stems of a message's words, with the three words after a negator marked "not_". */
export function sentimentFeatures(tokens: Token[], fx: FeatureExtractor): string[] {
  const out = new Set<string>();
  let negLeft = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word') {
      if (t.kind === 'stop' || t.kind === 'bang' || t.kind === 'question') negLeft = 0;
      continue;
    }
    const w = t.value.replace(/'/g, '');
    if (w === 'never' && tokens[i + 1]?.value === 'mind') {
      out.add('nvm'); // "never mind": withdraws a question, negates nothing
      i++;
      continue;
    }
    if (w === 'not' || w === 'no' || w === 'never' || w.endsWith('nt') && (t.value.endsWith("n't") || /^(dont|cant|wont|isnt|doesnt|didnt|wasnt|arent|couldnt|wouldnt|shouldnt|havent|hasnt)$/.test(w))) {
      negLeft = NEGATION_WINDOW;
      continue;
    }
    const s = /\d/.test(w) ? '#num' : fx.stem(w);
    out.add(negLeft > 0 ? `not_${s}` : s);
    if (negLeft > 0) negLeft--;
  }
  return [...out];
}

class ChatTagger implements Tagger {
  readonly modelVersion: string;
  private readonly needs: NeedsScorer;
  private readonly english: EnglishSentiment;
  private readonly foreign = new ForeignSentiment();
  private readonly languages: LanguageDetector;

  constructor(model: ModelFile) {
    this.modelVersion = model.version;
    this.needs = new NeedsScorer(model.needs);
    this.english = new EnglishSentiment(model.sentiment);
    this.languages = new LanguageDetector((w) => this.needs.extractor.knows(w));
  }

  tag(input: TagInput): TagResult {
    const text = normalizeChatText(input.text, input.platform);
    const role = input.role ?? 'customer';
    const tokens = tokenize(text);
    const model = this.modelVersion;
    if (tokens.length === 0) {
      return { needs: [], sentiment: { score: 0, label: 'neutral' }, language: 'und', untaggedReason: 'no words after removing markup, mentions, code and quotes', model };
    }
    const ws = words(tokens);
    const language = this.languages.detect(text, ws);
    if (language !== 'en') {
      if (!hasLexicon(language)) {
        return { needs: [], sentiment: { score: 0, label: 'neutral' }, language, untaggedReason: `no sentiment lexicon for language "${language}"`, model };
      }
      // Sentiment with natural's lexicon for that language; the needs taxonomy is English, so no needs.
      return { needs: [], sentiment: this.foreign.score(language, tokens), language, untaggedReason: null, model };
    }
    const sentiment = this.english.score(tokens);
    const needs = role === 'customer' && ws.length > 0 ? this.needs.classify(clauses(tokens)) : [];
    return { needs, sentiment, language, untaggedReason: null, model };
  }
}

const shared = new Map<string, Tagger>();

/** Builds (once per process and model file) the tagger from the versioned model file. */
export function loadTagger(modelPath: URL | string = DEFAULT_MODEL_PATH): Tagger {
  const key = String(modelPath);
  let tagger = shared.get(key);
  if (!tagger) {
    tagger = new ChatTagger(readModelFile(modelPath));
    shared.set(key, tagger);
  }
  return tagger;
}

/** A tagger for a model held in memory (training and evaluation). */
export function taggerFromModel(model: ModelFile): Tagger {
  return new ChatTagger(model);
}
