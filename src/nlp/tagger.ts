// The tagger the worker and `npm run tag` share: normalise, then sentiment and needs.
import { NeedsClassifier, loadTrainingData } from './needs.js';
import { normalizeChatText } from './normalize.js';
import { SentimentScorer } from './sentiment.js';
import type { TagInput, TagResult, Tagger } from './types.js';

export const DEFAULT_DATA_DIR = new URL('../../data/needs/', import.meta.url);

class ChatTagger implements Tagger {
  readonly modelVersion: string;
  constructor(
    private readonly needs: NeedsClassifier,
    private readonly sentiment: SentimentScorer,
  ) {
    this.modelVersion = needs.version;
  }

  tag(input: TagInput): TagResult {
    const text = normalizeChatText(input.text, input.platform);
    const role = input.role ?? 'customer';
    const sentiment = this.sentiment.score(text);
    const needs = role === 'customer' && text !== '' ? this.needs.classify(text) : [];
    return { needs, sentiment, language: 'en', untaggedReason: null, model: this.modelVersion };
  }
}

let shared: Tagger | undefined;

/** Builds (once per process) the tagger from the repository's training data. */
export function loadTagger(dataDir: URL = DEFAULT_DATA_DIR): Tagger {
  if (dataDir === DEFAULT_DATA_DIR && shared) return shared;
  const tagger = new ChatTagger(new NeedsClassifier(loadTrainingData(dataDir)), new SentimentScorer());
  if (dataDir === DEFAULT_DATA_DIR) shared = tagger;
  return tagger;
}
