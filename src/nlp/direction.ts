// A conversation's sentiment from its customer's messages, and its direction: how the customer's last messages
// compare with the first ones (pure). Untagged messages (other languages without a lexicon) do not count.
import type { SentimentLabel } from '../domain/types.js';
import { labelFor } from './sentiment.js';

export interface ScoredMessage {
  role: 'customer' | 'agent' | 'bot' | null;
  ts: Date;
  sentiment: { score: number; label: SentimentLabel } | null;
  untaggedReason?: string | null;
}

export type Direction = 'improving' | 'steady' | 'worsening' | 'unknown';

export interface ConversationSentiment {
  score: number;
  label: SentimentLabel;
  /** Mean score of the customer's first and last messages (up to `window` each; no overlap). */
  first: number | null;
  last: number | null;
  direction: Direction;
  /** The last messages are negative and the first were not. */
  turnedNegative: boolean;
}

/** `window`: how many messages at each end are compared; `margin`: the change that counts as a direction. */
export function conversationSentiment(messages: ScoredMessage[], window = 2, margin = 0.2): ConversationSentiment {
  const scores = messages
    .filter((m) => m.role === 'customer' && m.sentiment && !m.untaggedReason)
    .sort((a, b) => a.ts.getTime() - b.ts.getTime())
    .map((m) => m.sentiment!.score);
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  if (scores.length === 0) return { score: 0, label: 'neutral', first: null, last: null, direction: 'unknown', turnedNegative: false };
  const score = Math.round(mean(scores) * 1000) / 1000;
  if (scores.length < 2) return { score, label: labelFor(score), first: null, last: null, direction: 'unknown', turnedNegative: false };
  const w = Math.min(window, Math.floor(scores.length / 2));
  const first = mean(scores.slice(0, w));
  const last = mean(scores.slice(-w));
  const change = last - first;
  const direction: Direction = change <= -margin ? 'worsening' : change >= margin ? 'improving' : 'steady';
  return {
    score,
    label: labelFor(score),
    first: Math.round(first * 1000) / 1000,
    last: Math.round(last * 1000) / 1000,
    direction,
    turnedNegative: labelFor(last) === 'negative' && labelFor(first) !== 'negative',
  };
}
