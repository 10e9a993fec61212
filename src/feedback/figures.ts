// Turns survey facts into the figures `/history` and the digest show. Pure: both the fast reads (documents
// kept at write time) and the naive scans produce these same facts.
import { LOWEST_LISTED, SATISFIED_FROM, SHOWN_COMMENTS, type CustomerFeedback, type DigestFeedback, type FeedbackComment, type WeekFeedback } from './types.js';

export interface RatingFact {
  surveyId: string;
  conversationId: string;
  rating: number;
}

export function customerFeedbackOf(ratings: number[], comments: FeedbackComment[]): CustomerFeedback {
  const sum = ratings.reduce((a, r) => a + r, 0);
  return {
    average: ratings.length ? sum / ratings.length : null,
    ratings: ratings.length,
    comments: [...comments]
      .sort((a, b) => b.at.getTime() - a.at.getTime() || a.conversationId.localeCompare(b.conversationId))
      .slice(0, SHOWN_COMMENTS),
  };
}

export function weekFeedbackOf(asked: number, ratings: number[]): WeekFeedback {
  return { asked, rated: ratings.length, satisfied: ratings.filter((r) => r >= SATISFIED_FROM).length };
}

const share = (n: number, of: number): number | null => (of > 0 ? n / of : null);

/** The conversations the digest lists as lowest rated (ratings below SATISFIED_FROM, lowest first). */
export function lowestRated(ratings: RatingFact[]): RatingFact[] {
  return ratings
    .filter((r) => r.rating < SATISFIED_FROM)
    .sort((a, b) => a.rating - b.rating || a.conversationId.localeCompare(b.conversationId) || a.surveyId.localeCompare(b.surveyId))
    .slice(0, LOWEST_LISTED);
}

export function digestFeedbackOf(cur: WeekFeedback, prev: WeekFeedback, lowest: DigestFeedback['lowest']): DigestFeedback {
  return {
    csat: { current: share(cur.satisfied, cur.rated), previous: share(prev.satisfied, prev.rated) },
    responseRate: { current: share(cur.rated, cur.asked), previous: share(prev.rated, prev.asked) },
    asked: { current: cur.asked, previous: prev.asked },
    rated: { current: cur.rated, previous: prev.rated },
    lowest,
  };
}

/** A share as a whole percentage ("80%"), or "—" when there is nothing to share. */
export function percent(x: number | null): string {
  return x === null ? '—' : `${Math.round(x * 100)}%`;
}

/** A share beside last week's, in percentage points: "80% (▲ 30 pts vs 50%)". */
export function shareChange(c: { current: number | null; previous: number | null }): string {
  if (c.current === null) return c.previous === null ? '—' : `— (was ${percent(c.previous)})`;
  if (c.previous === null) return `${percent(c.current)} (new)`;
  const pts = Math.round(c.current * 100) - Math.round(c.previous * 100);
  const arrow = pts > 0 ? '▲' : pts < 0 ? '▼' : '=';
  return `${percent(c.current)} (${arrow} ${Math.abs(pts)} pts vs ${percent(c.previous)})`;
}

/** An average rating to one decimal ("4.5/5"), or "no ratings". */
export function ratingText(average: number | null, count: number): string {
  return average === null ? 'no ratings yet' : `${(Math.round(average * 10) / 10).toFixed(1)}/5 from ${count} rating${count === 1 ? '' : 's'}`;
}
