import type { Platform, Role, SentimentLabel } from '../domain/types.js';

export interface NeedScore {
  need: string;
  confidence: number;
}

export interface Sentiment {
  score: number;
  label: SentimentLabel;
}

export interface TagResult {
  /** Empty means no need stated. */
  needs: NeedScore[];
  sentiment: Sentiment;
  /** ISO 639-1 code of the language the text was tagged in. */
  language: string;
  /** Set when the text could not be tagged (and so carries no sentiment or needs). */
  untaggedReason: string | null;
  /** Version of the model and code that produced the tags. */
  model: string;
}

export interface TagInput {
  text: string;
  platform: Platform;
  /** Only customer messages carry needs. Defaults to customer. */
  role?: Role;
}

export interface Tagger {
  readonly modelVersion: string;
  tag(input: TagInput): TagResult;
}
