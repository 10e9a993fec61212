// Ranks name matches (pure): exact name, then the name starting with the query, then a word of it, then anywhere.
import { nameKey } from '../domain/keys.js';

export interface NameCandidate {
  id: string;
  nameKey: string | null;
  lastContactAt: Date | null;
}

/** 0 = exact, 1 = prefix of the name, 2 = prefix of a later word, 3 = every query word starts a word, null = no match. */
export function nameScore(query: string, candidateKey: string | null): number | null {
  if (!candidateKey) return null;
  const q = nameKey(query);
  if (q === '') return null;
  if (candidateKey === q) return 0;
  if (candidateKey.startsWith(q)) return 1;
  const words = candidateKey.split(' ');
  if (words.some((w, i) => i > 0 && `${words.slice(i).join(' ')}`.startsWith(q))) return 2;
  const qWords = q.split(' ');
  if (qWords.every((qw) => words.some((w) => w.startsWith(qw)))) return 3;
  return null;
}

export function rankCandidates<T extends NameCandidate>(query: string, cands: T[]): Array<T & { score: number }> {
  const out: Array<T & { score: number }> = [];
  for (const c of cands) {
    const score = nameScore(query, c.nameKey);
    if (score !== null) out.push({ ...c, score });
  }
  return out.sort(
    (a, b) => a.score - b.score || (b.lastContactAt?.getTime() ?? 0) - (a.lastContactAt?.getTime() ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
