// Reads of the feedback figures: fast (documents kept at write time, by `_id`) and naive (scans of the
// `surveys` collection: the benchmark's baseline and the tests' oracle). Both hand the same facts to figures.ts.
import { Conversation } from '../db/models.js';
import { type Platform } from '../domain/types.js';
import { customerFeedbackOf, digestFeedbackOf, lowestRated, weekFeedbackOf, type RatingFact } from './figures.js';
import { feedbackCustomers, feedbackWeekId, feedbackWeeks, surveys } from './store.js';
import type { CustomerFeedback, DigestFeedback, FeedbackComment, RatedConversation } from './types.js';

async function describe(lowest: RatingFact[]): Promise<RatedConversation[]> {
  const docs = await Promise.all(lowest.map((l) => Conversation.collection.findOne({ _id: l.conversationId as never }, { projection: { channelId: 1, permalink: 1, firstLine: 1 } })));
  return lowest.map((l, i) => ({
    conversationId: l.conversationId,
    rating: l.rating,
    channelId: (docs[i]?.channelId as string | undefined) ?? '',
    permalink: (docs[i]?.permalink as string | null | undefined) ?? null,
    firstLine: (docs[i]?.firstLine as string | null | undefined) ?? null,
  }));
}

/** A customer's feedback (every linked identity), from its `feedback_customers` documents. */
export async function fastCustomerFeedback(memberIds: string[]): Promise<CustomerFeedback> {
  const docs = await Promise.all(memberIds.map((id) => feedbackCustomers().findOne({ _id: id })));
  const ratings: number[] = [];
  const comments: FeedbackComment[] = [];
  for (const d of docs) {
    if (!d) continue;
    for (const r of Object.values(d.r ?? {})) ratings.push(r);
    for (const [sid, c] of Object.entries(d.cm ?? {})) comments.push({ text: c.t, at: new Date(c.at), conversationId: c.c, rating: d.r?.[sid] ?? null });
  }
  return customerFeedbackOf(ratings, comments);
}

export async function naiveCustomerFeedback(memberIds: string[]): Promise<CustomerFeedback> {
  const all = (await Promise.all(memberIds.map((id) => surveys().find({ customerId: id }).toArray()))).flat();
  const ratings: number[] = [];
  const comments: FeedbackComment[] = [];
  for (const s of all) {
    if (s.rating !== null && s.rating !== undefined) ratings.push(s.rating);
    if (s.comment && s.commentAt) comments.push({ text: s.comment, at: s.commentAt, conversationId: s.conversationId, rating: s.rating ?? null });
  }
  return customerFeedbackOf(ratings, comments);
}

interface WeekRead {
  asked: number;
  ratings: RatingFact[];
}

async function fastWeek(platform: Platform, workspaceId: string, week: string): Promise<WeekRead> {
  const d = await feedbackWeeks().findOne({ _id: feedbackWeekId(platform, workspaceId, week) });
  return {
    asked: Object.keys(d?.a ?? {}).length,
    ratings: Object.entries(d?.r ?? {}).map(([surveyId, v]) => ({ surveyId, conversationId: v.c, rating: v.r })),
  };
}

/** The digest's feedback figures for a week and the week before, from two `feedback_weeks` documents. */
export async function fastDigestFeedback(platform: Platform, workspaceId: string, week: string, previousWeek: string): Promise<DigestFeedback> {
  const [c, p] = await Promise.all([fastWeek(platform, workspaceId, week), fastWeek(platform, workspaceId, previousWeek)]);
  return digestFeedbackOf(
    weekFeedbackOf(c.asked, c.ratings.map((r) => r.rating)),
    weekFeedbackOf(p.asked, p.ratings.map((r) => r.rating)),
    await describe(lowestRated(c.ratings)),
  );
}

async function naiveWeek(platform: Platform, workspaceId: string, start: Date, end: Date): Promise<WeekRead> {
  const all = await surveys().find({ platform, workspaceId, state: 'asked', askedAt: { $gte: start, $lt: end } }).toArray();
  return {
    asked: all.length,
    ratings: all.filter((s) => s.rating !== null && s.rating !== undefined).map((s) => ({ surveyId: s._id, conversationId: s.conversationId, rating: s.rating! })),
  };
}

/** The same figures from a scan of the surveys asked in each week's bounds. */
export async function naiveDigestFeedback(platform: Platform, workspaceId: string, cur: { start: Date; end: Date }, prev: { start: Date; end: Date }): Promise<DigestFeedback> {
  const [c, p] = await Promise.all([naiveWeek(platform, workspaceId, cur.start, cur.end), naiveWeek(platform, workspaceId, prev.start, prev.end)]);
  return digestFeedbackOf(
    weekFeedbackOf(c.asked, c.ratings.map((r) => r.rating)),
    weekFeedbackOf(p.asked, p.ratings.map((r) => r.rating)),
    await describe(lowestRated(c.ratings)),
  );
}
