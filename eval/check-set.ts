// The real-chat check set (eval/real-chat-check.jsonl): hand-written support messages, each labelled with a need
// and a sentiment before any model output was seen. Never trained on: the data build scripts leave out any
// training text equal to one of its messages, and a test checks the repo's training data holds none of them.
import { readFileSync } from 'node:fs';
import type { SentimentLabel } from '../src/domain/index.js';

export interface CheckRow {
  text: string;
  need: string;
  sentiment: SentimentLabel;
}

export const CHECK_SET = new URL('real-chat-check.jsonl', import.meta.url);

export function loadCheckSet(file: URL = CHECK_SET): CheckRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CheckRow);
}

/** The check set's texts, trimmed and lower-cased. */
export function checkSetTexts(file: URL = CHECK_SET): Set<string> {
  return new Set(loadCheckSet(file).map((r) => r.text.trim().toLowerCase()));
}
