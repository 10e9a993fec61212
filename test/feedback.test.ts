// Customer feedback, platform-neutral, on a hand-built fixture through the real pipeline (capture, FerretDB,
// the tag worker): surveys asked in two weeks of a New York workspace (one on the Sunday night that is already
// Monday in UTC), ratings, a changed rating, comments; the exact CSAT, response rate, week-over-week figures,
// lowest-rated list and customer averages, fast equal to naive. The platform is a recording SurveyPort.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Workspace } from '../src/db/models.js';
import { messageKey } from '../src/domain/keys.js';
import { buildDigest } from '../src/digest/index.js';
import { naiveDigest } from '../src/digest/naive.js';
import { buildCustomerSummary, resolveConversation } from '../src/history/index.js';
import { naiveCustomerSummary } from '../src/history/naive.js';
import {
  askSurvey,
  commentSurvey,
  forgetCustomerFeedback,
  DEFAULT_SURVEY_SETTINGS,
  percent,
  rateSurvey,
  ratingText,
  setSurveySettings,
  shareChange,
  surveyId,
  surveyJobId,
  surveys,
  surveySettings,
  SurveySettingsError,
  type SurveyPort,
  type SurveyRequest,
} from '../src/feedback/index.js';
import { conversationOf, startPipeline, slackMessage, type Pipeline } from './helpers/pipeline.js';
import { Queues } from '../src/queue.js';
import { createMaintenanceProcessor } from '../jobs/maintenance.js';
import mongoose from 'mongoose';

const WS = 'TFEED';
const NY = 'America/New_York';
const scope = { platform: 'slack' as const, workspaceId: WS };
const A = `slack:${WS}:UANN`;
const B = `slack:${WS}:UBEN`;
const ON = { ...DEFAULT_SURVEY_SETTINGS, enabled: true, delayMinutes: 0 };

let p: Pipeline;
const posted: SurveyRequest[] = [];
const port: SurveyPort = {
  platform: 'slack',
  async postSurvey(req) {
    posted.push(req);
    return { messageId: `1800000000.${String(posted.length).padStart(6, '0')}` };
  },
};
const convs: Record<string, string> = {};

async function conversation(name: string, user: 'UANN' | 'UBEN', at: string, text: string): Promise<string> {
  const msg = slackMessage({ workspaceId: WS, channelId: 'CFEED', messageId: `${Date.parse(at) / 1000}.000100`, author: { userId: user, name: user === 'UANN' ? 'Ann Example' : 'Ben Example', role: 'customer' }, text, ts: new Date(at) });
  const out = await p.capture.capture(msg);
  await p.waitForTag(out.messageKey, 0);
  const id = (await conversationOf(out.messageKey))!;
  convs[name] = id;
  return id;
}

async function ask(name: string, at: string): Promise<string> {
  const res = await resolveConversation(scope, convs[name]!, { now: new Date(at) });
  expect(res.status).toBe('resolved');
  const out = await askSurvey({ conversationId: convs[name]!, round: 1 }, { ports: [port], defaults: ON, timeZone: 'UTC', log: p.env.log, now: () => new Date(at) });
  expect(out.status).toBe('asked');
  return surveyId(convs[name]!, 1);
}

const who = (user: string) => ({ platform: 'slack' as const, workspaceId: WS, userId: user });

beforeAll(async () => {
  p = await startPipeline(import.meta.filename);
  // Captured in time order (first contact decides new vs returning). Week 2026-W47 in New York: Mon 2026-11-16 05:00Z to Mon 2026-11-23 05:00Z; W46 the week before.
  await conversation('c5', 'UANN', '2026-11-10T10:00:00Z', 'Please cancel my subscription');
  await conversation('c6', 'UBEN', '2026-11-11T10:00:00Z', 'The app crashes on start');
  await conversation('c4', 'UBEN', '2026-11-15T20:00:00Z', 'Where is my refund?');
  await conversation('c1', 'UANN', '2026-11-17T10:00:00Z', 'My invoice is wrong');
  await conversation('c2', 'UANN', '2026-11-18T10:00:00Z', 'I cannot log in to my account');
  await conversation('c3', 'UBEN', '2026-11-19T10:00:00Z', 'How do I export my data?');
  await Workspace.updateOne({ _id: `slack:${WS}` }, { $set: { timeZone: NY } });
});
afterAll(async () => {
  await p?.close();
});

describe('survey settings', () => {
  it('merges per-workspace overrides over the defaults and validates them', async () => {
    expect(await surveySettings('slack', WS, DEFAULT_SURVEY_SETTINGS)).toEqual(DEFAULT_SURVEY_SETTINGS);
    await setSurveySettings('slack', WS, { enabled: true, channels: ['#feedback'] });
    expect(await surveySettings('slack', WS, DEFAULT_SURVEY_SETTINGS)).toEqual({ ...DEFAULT_SURVEY_SETTINGS, enabled: true, channels: ['#feedback'] });
    await expect(setSurveySettings('slack', WS, { delayMinutes: -1 })).rejects.toThrow(SurveySettingsError);
    await expect(setSurveySettings('slack', WS, { question: '' })).rejects.toThrow(SurveySettingsError);
  });

  it('does not ask outside the configured channels, nor when off', async () => {
    await resolveConversation(scope, convs.c3!, { now: new Date('2026-11-19T11:00:00Z') });
    const deps = { ports: [port], defaults: DEFAULT_SURVEY_SETTINGS, timeZone: 'UTC', log: p.env.log };
    expect((await askSurvey({ conversationId: convs.c3!, round: 1 }, deps)).status).toBe('disabled'); // channel CFEED is not #feedback
    await setSurveySettings('slack', WS, { enabled: false, channels: [] });
    expect((await askSurvey({ conversationId: convs.c3!, round: 1 }, deps)).status).toBe('disabled');
    expect((await askSurvey({ conversationId: convs.c3!, round: 2 }, { ...deps, defaults: ON })).status).toBe('stale'); // not that round
    // Reopen c3 (as a customer message would) so the fixture below resolves it again in round 2.
    await Conversation.updateOne({ _id: convs.c3 }, { $set: { status: 'open', resolvedAt: null } });
    expect((await askSurvey({ conversationId: convs.c3!, round: 1 }, { ...deps, defaults: ON })).status).toBe('stale'); // no longer resolved
    expect(posted).toHaveLength(0);
  });
});

describe('figures', () => {
  let s: Record<string, string>;

  beforeAll(async () => {
    await setSurveySettings('slack', WS, { enabled: true });
    s = {
      c1: await ask('c1', '2026-11-17T12:00:00Z'),
      c2: await ask('c2', '2026-11-18T12:00:00Z'),
      c4: await ask('c4', '2026-11-16T03:00:00Z'), // Sunday 22:00 in New York: week 46 there, 47 in UTC
      c5: await ask('c5', '2026-11-11T12:00:00Z'),
      c6: await ask('c6', '2026-11-12T12:00:00Z'),
    };
    // c3 was reopened: its second resolve is round 2.
    expect((await resolveConversation(scope, convs.c3!, { now: new Date('2026-11-19T12:00:00Z') })).status).toBe('resolved');
    expect((await askSurvey({ conversationId: convs.c3!, round: 2 }, { ports: [port], defaults: ON, timeZone: 'UTC', log: p.env.log, now: () => new Date('2026-11-19T12:00:00Z') })).status).toBe('asked');
    s.c3 = surveyId(convs.c3!, 2);
  });

  it('asks each round once, even when asked twice at the same time', async () => {
    const again = await Promise.all([1, 2].map(() => askSurvey({ conversationId: convs.c1!, round: 1 }, { ports: [port], defaults: ON, timeZone: 'UTC', log: p.env.log })));
    expect(again.map((a) => a.status)).toEqual(['already-asked', 'already-asked']);
    expect(posted).toHaveLength(6);
    expect(posted.find((r) => r.conversationId === convs.c1)).toMatchObject({ channelId: 'CFEED', threadId: null, rootMessageId: convs.c1!.split(':').at(-1), customerUserId: 'UANN' });
    expect((await surveys().findOne({ _id: s.c4! }))!.week).toBe('2026-W46');
  });

  it('takes only the customer’s answers; a second rating replaces the first', async () => {
    expect(await rateSurvey(s.c1, 5, who('UBEN'))).toEqual({ status: 'not-customer' });
    expect(await rateSurvey(s.c1, 6, who('UANN'))).toEqual({ status: 'invalid' });
    expect(await rateSurvey('sv' + '0'.repeat(24), 5, who('UANN'))).toEqual({ status: 'not-found' });
    expect(await rateSurvey(s.c1, 5, { platform: 'discord', workspaceId: WS, userId: 'UANN' })).toEqual({ status: 'not-found' });
    expect(await rateSurvey(s.c1, 5, { ...who('UANN'), messageId: 'another-message' })).toEqual({ status: 'not-found' });
    expect(await rateSurvey(s.c1, 5, who('UANN'), { now: new Date('2026-11-17T13:00:00Z') })).toMatchObject({ status: 'rated', rating: 5, previous: null });
    expect(await rateSurvey(s.c2, 4, who('UANN'), { now: new Date('2026-11-18T13:00:00Z') })).toMatchObject({ status: 'rated' });
    expect(await rateSurvey(s.c2, 1, who('UANN'), { now: new Date('2026-11-18T14:00:00Z') })).toMatchObject({ status: 'changed', rating: 1, previous: 4 });
    expect(await rateSurvey(s.c2, 1, who('UANN'))).toMatchObject({ status: 'unchanged' });
    expect(await rateSurvey(s.c4, 3, who('UBEN'))).toMatchObject({ status: 'rated' });
    expect(await rateSurvey(s.c5, 5, who('UANN'))).toMatchObject({ status: 'rated' });
    expect(await rateSurvey(s.c6, 4, who('UBEN'))).toMatchObject({ status: 'rated' });
    // Concurrent clicks of one customer on one survey: the last one stands, counted once.
    await Promise.all([2, 4].map((r) => rateSurvey(s.c6, r, who('UBEN'))));
    const c6 = (await surveys().findOne({ _id: s.c6! }))!.rating!;
    expect([2, 4]).toContain(c6);
    await rateSurvey(s.c6, 4, who('UBEN'));
    expect(await commentSurvey(s.c1, '   ', who('UANN'), { queue: p.queues })).toEqual({ status: 'empty' });
    expect(await commentSurvey(s.c1, 'x'.repeat(2001), who('UANN'), { queue: p.queues })).toEqual({ status: 'too-long' });
    expect(await commentSurvey(s.c1, 'nice', who('UBEN'), { queue: p.queues })).toEqual({ status: 'not-customer' });
    const first = await commentSurvey(s.c5, 'Quick and friendly, thank you', who('UANN'), { queue: p.queues, now: new Date('2026-11-11T13:00:00Z') });
    const second = await commentSurvey(s.c2, 'Still locked out, this is frustrating', who('UANN'), { queue: p.queues, now: new Date('2026-11-18T15:00:00Z') });
    const edited = await commentSurvey(s.c2, 'Still locked out after two days, this is very frustrating', who('UANN'), { queue: p.queues, now: new Date('2026-11-18T16:00:00Z') });
    expect([first.status, second.status, edited.status]).toEqual(['commented', 'commented', 'comment-changed']);
    for (const c of [first, second, edited]) if ('messageKey' in c) await p.waitForTag(c.messageKey, c.rev);
    expect(edited).toMatchObject({ messageKey: messageKey('slack', WS, 'CFEED', `${convs.c2!.split(':').at(-1)}-survey1`), rev: 1 });
  }, 90_000);

  it('gives exact CSAT, response rate and change against the week before, in the workspace’s zone (fast = naive)', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const digest = await buildDigest(scope, { week: '2026-W47', now });
    expect(digest.week).toBe('2026-W47');
    expect(digest.timeZone).toBe(NY);
    // W47: c1 (5), c2 (1), c3 round 2 (not rated) → 3 asked, 2 rated, 1 satisfied.
    // W46: c4 (3, asked Sunday night in New York), c5 (5), c6 (4) → 3 asked, 3 rated, 2 satisfied.
    expect(digest.feedback).toEqual({
      csat: { current: 0.5, previous: 2 / 3 },
      responseRate: { current: 2 / 3, previous: 1 },
      asked: { current: 3, previous: 3 },
      rated: { current: 2, previous: 3 },
      lowest: [{ conversationId: convs.c2, rating: 1, channelId: 'CFEED', permalink: null, firstLine: 'I cannot log in to my account' }],
    });
    expect(await naiveDigest(scope, { week: '2026-W47', now })).toEqual(digest);
    const w46 = await buildDigest(scope, { week: '2026-W46', now });
    expect(w46.feedback).toMatchObject({ csat: { current: 2 / 3, previous: null }, lowest: [{ conversationId: convs.c4, rating: 3 }] });
    expect(await naiveDigest(scope, { week: '2026-W46', now })).toEqual(w46);
    expect(shareChange(digest.feedback!.csat)).toBe('50% (▼ 17 pts vs 67%)');
    expect(shareChange(digest.feedback!.responseRate)).toBe('67% (▼ 33 pts vs 100%)');
  });

  it('gives each customer’s average rating and latest comments (fast = naive)', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const ann = (await buildCustomerSummary(scope, A, { now }))!;
    expect(ann.feedback).toEqual({
      average: 11 / 3,
      ratings: 3,
      comments: [
        { text: 'Still locked out after two days, this is very frustrating', at: new Date('2026-11-18T16:00:00Z'), conversationId: convs.c2, rating: 1 },
        { text: 'Quick and friendly, thank you', at: new Date('2026-11-11T13:00:00Z'), conversationId: convs.c5, rating: 5 },
      ],
    });
    expect(await naiveCustomerSummary(scope, A, { now })).toEqual(ann);
    const ben = (await buildCustomerSummary(scope, B, { now }))!;
    expect(ben.feedback).toEqual({ average: 3.5, ratings: 2, comments: [] });
    expect(await naiveCustomerSummary(scope, B, { now })).toEqual(ben);
    expect(ratingText(ann.feedback!.average, 3)).toBe('3.7/5 from 3 ratings');
    // The comments are customer messages: tagged, counted in the customer's messages.
    expect(ann.volume.messages.allTime).toBe(5);
  });

  it('forgets a customer’s answers: gone from the figures (fast = naive)', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(await forgetCustomerFeedback([B])).toEqual({ surveys: 3 });
    const digest = await buildDigest(scope, { week: '2026-W47', now });
    // W47 keeps Ann's c1 (5) and c2 (1); W46 keeps c5 (5) only.
    expect(digest.feedback).toMatchObject({ csat: { current: 0.5, previous: 1 }, responseRate: { current: 1, previous: 1 }, asked: { current: 2, previous: 1 } });
    expect((await naiveDigest(scope, { week: '2026-W47', now })).feedback).toEqual(digest.feedback);
    expect((await buildCustomerSummary(scope, B, { now }))!.feedback).toEqual({ average: null, ratings: 0, comments: [] });
  });

  it('formats shares', () => {
    expect(percent(null)).toBe('—');
    expect(shareChange({ current: null, previous: null })).toBe('—');
    expect(shareChange({ current: 0.8, previous: null })).toBe('80% (new)');
    expect(shareChange({ current: 0.5, previous: 0.5 })).toBe('50% (= 0 pts vs 50%)');
    expect(ratingText(null, 0)).toBe('no ratings yet');
  });

  it('a survey resolved while Redis is down is deferred, then enqueued by the sweep', async () => {
    const down = new Queues({ redisUrl: 'redis://127.0.0.1:1', prefix: p.env.prefix, log: p.env.log });
    try {
      const c7 = await conversation('c7', 'UANN', '2026-11-20T10:00:00Z', 'One more question about my plan');
      expect((await resolveConversation(scope, c7, { survey: down })).status).toBe('resolved');
      const marker = await mongoose.connection.db!.collection('survey_deferred').findOne({ _id: surveyJobId(c7, 1) as never });
      expect(marker).toMatchObject({ conversationId: c7, round: 1 });
      expect(await p.queues.survey.getJob(surveyJobId(c7, 1))).toBeUndefined();
      await createMaintenanceProcessor(p.queues, p.env.log)({ name: 'sweep-untagged' });
      expect((await p.queues.survey.getJob(surveyJobId(c7, 1)))?.data).toEqual({ conversationId: c7, round: 1 });
      expect(await mongoose.connection.db!.collection('survey_deferred').countDocuments({})).toBe(0);
    } finally {
      await down.close();
    }
  });
});
