// Sentiment with natural's AFINN analyser (pure once constructed).
import type { SentimentLabel } from '../db/models.js';
import natural from './natural.js';
import type { Sentiment } from './types.js';

/** VADER's cut-offs for three classes. */
export const POSITIVE_CUTOFF = 0.05;
export const NEGATIVE_CUTOFF = -0.05;

export function labelFor(score: number): SentimentLabel {
  if (score > POSITIVE_CUTOFF) return 'positive';
  if (score < NEGATIVE_CUTOFF) return 'negative';
  return 'neutral';
}

export class SentimentScorer {
  private readonly analyzer = new natural.SentimentAnalyzer('English', undefined, 'afinn');
  private readonly tokenizer = new natural.WordTokenizer();

  score(text: string): Sentiment {
    const tokens = this.tokenizer.tokenize(text.toLowerCase()) ?? [];
    if (tokens.length === 0) return { score: 0, label: 'neutral' };
    const raw = this.analyzer.getSentiment(tokens);
    const score = Number.isFinite(raw) ? Math.round(raw * 1000) / 1000 : 0;
    return { score, label: labelFor(score) };
  }
}
