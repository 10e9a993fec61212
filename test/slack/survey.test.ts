// The satisfaction survey through signed HTTP into the real Bolt app, the real survey worker (BullMQ) and the
// real tag worker, against the loopback fake Slack Web API.
import { randomBytes } from 'node:crypto';
import { stringify } from 'node:querystring';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Conversation, Message } from '../../src/db/models.js';
import { buildDigest } from '../../src/digest/index.js';
import { naiveDigest } from '../../src/digest/naive.js';
import { buildCustomerSummary } from '../../src/history/index.js';
import { naiveCustomerSummary } from '../../src/history/naive.js';
import { DEFAULT_SURVEY_SETTINGS, setSurveySettings, surveyId, surveyJobId, surveys, askSurvey } from '../../src/feedback/index.js';
import { feedbackWeeks } from '../../src/feedback/store.js';
import { weekOf } from '../../src/time/week.js';
import { workerConnection } from '../../src/queue.js';
import { createMaintenanceProcessor } from '../../jobs/maintenance.js';
import { startSurveyWorker, surveyPorts, type SurveyWorkerHandle } from '../../jobs/survey.js';
import { NOT_YOURS } from '../../adapters/slack/survey.js';
import { slackTs } from '../fakes/slack-api.js';
import { SECRET, SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
let worker: SurveyWorkerHandle;
let events: QueueEvents;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  await h.startAdapter();
  worker = startSurveyWorker({ adapters: [h.adapter], defaults: DEFAULT_SURVEY_SETTINGS, timeZone: 'UTC', log: h.p.env.log, redisUrl: h.p.env.redisUrl, prefix: h.p.env.prefix });
  events = new QueueEvents('survey', { connection: workerConnection(h.p.env.redisUrl), prefix: h.p.env.prefix });
  await events.waitUntilReady();
  await setSurveySettings('slack', TEAM, { enabled: true, delayMinutes: 0 });
});
afterAll(async () => {
  await events?.close();
  await worker?.close();
  await h?.close();
});

const key = (ts: string) => messageKey('slack', TEAM, SUPPORT, ts);
const conversationOf = async (ts: string) => (await Message.findById(key(ts)).lean())!.conversationId!;
const surveyPosts = () => h.fake.posted.filter((p) => p.method === 'chat.postMessage' && JSON.stringify(p.params.blocks ?? '').includes('survey_rate_1'));

async function say(user: string, text: string, threadTs?: string, at = new Date()): Promise<string> {
  const ts = slackTs(at);
  const res = await h.sendEvent({ type: 'message', channel: SUPPORT, user, ts, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
  expect(res.status).toBe(200);
  await h.p.waitForTag(key(ts), 0);
  return ts;
}

async function react(user: string, ts: string): Promise<void> {
  const res = await h.sendEvent({ type: 'reaction_added', user, reaction: 'white_check_mark', item_user: 'UCUST1', item: { type: 'message', channel: SUPPORT, ts }, event_ts: `${Date.now() / 1000}` });
  expect(res.status).toBe(200);
}

async function asked(conversationId: string, round: number): Promise<unknown> {
  const job = await h.p.queues.survey.getJob(surveyJobId(conversationId, round));
  expect(job, `survey job of round ${round}`).toBeTruthy();
  return job!.waitUntilFinished(events, 20_000);
}

/** A block_actions payload as Slack sends it when a button of the survey message is clicked. */
function click(user: string, actionId: string, sid: string, messageTs: string, opts: { secret?: string; at?: number } = {}) {
  const responseId = randomBytes(6).toString('hex');
  const payload = {
    type: 'block_actions',
    team: { id: TEAM, domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), team_id: TEAM },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: SUPPORT, is_ephemeral: false },
    trigger_id: `${Date.now()}.1234.${responseId}`,
    channel: { id: SUPPORT, name: 'support' },
    message: { type: 'message', ts: messageTs, text: 'How did we do?' },
    response_url: h.fake.responseUrl(responseId),
    actions: [{ action_id: actionId, block_id: 'survey_rating', value: sid, type: 'button', action_ts: `${Date.now() / 1000}` }],
  };
  const body = stringify({ payload: JSON.stringify(payload) });
  return { responseId, send: () => h.post(body, 'application/x-www-form-urlencoded', opts) };
}

async function answer(user: string, actionId: string, sid: string, messageTs: string): Promise<string> {
  const c = click(user, actionId, sid, messageTs);
  expect((await c.send()).status).toBe(200);
  return String((await h.fake.waitForResponse(c.responseId)).body.text);
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let root: string;
let convA: string;
let s1: string;
let s1Ts: string;

describe('slack satisfaction survey', () => {
  it('is posted once, in the thread, when an agent resolves with ✅', async () => {
    root = await say('UCUST1', 'I was charged twice on my invoice this month');
    await say('UAGENT1', 'Sorry about that, refunding the second charge now', root);
    convA = await conversationOf(root);
    await react('UAGENT1', root);
    await asked(convA, 1);
    await react('UAGENT1', root); // already resolved: no second survey
    const posts = surveyPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.params.channel).toBe(SUPPORT);
    expect(posts[0]!.params.thread_ts).toBe(root);
    const buttons = JSON.stringify(posts[0]!.params.blocks);
    for (const n of [1, 2, 3, 4, 5]) expect(buttons).toContain(`survey_rate_${n}`);
    expect(buttons).toContain('survey_comment');
    s1 = surveyId(convA, 1);
    const doc = (await surveys().findOne({ _id: s1 }))!;
    expect(doc).toMatchObject({ state: 'asked', customerId: `slack:${TEAM}:UCUST1`, round: 1, rating: null });
    s1Ts = doc.messageId!;
    // The same round scheduled again, or its processor run again: nothing more is posted.
    expect(await h.p.queues.scheduleSurvey(convA, 1)).toBe('scheduled');
    expect((await askSurvey({ conversationId: convA, round: 1 }, { ports: surveyPorts([h.adapter]), defaults: DEFAULT_SURVEY_SETTINGS, timeZone: 'UTC', log: h.p.env.log })).status).toBe('already-asked');
    expect(surveyPosts()).toHaveLength(1);
  });

  it('refuses a rating by someone other than the customer, politely', async () => {
    expect(await answer('UCUST2', 'survey_rate_5', s1, s1Ts)).toBe(NOT_YOURS);
    expect(await answer('UAGENT1', 'survey_rate_5', s1, s1Ts)).toBe(NOT_YOURS);
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBeNull();
  });

  it('takes the customer’s rating, and a second click changes it', async () => {
    expect(await answer('UCUST1', 'survey_rate_4', s1, s1Ts)).toBe('Thanks for rating this conversation 4/5!');
    expect((await Conversation.collection.findOne({ _id: convA as never }))!.feedback).toMatchObject({ rating: 4, round: 1 });
    expect(await answer('UCUST1', 'survey_rate_2', s1, s1Ts)).toBe('Thanks, your rating is now 2/5.');
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBe(2);
    const week = (await feedbackWeeks().findOne({ _id: `slack:${TEAM}:${weekOf(new Date(), 'UTC')}` }))!;
    expect(week.r).toEqual({ [s1]: { c: convA, r: 2 } });
  });

  it('ignores a forged or replayed button press', async () => {
    expect((await click('UCUST1', 'survey_rate_5', s1, s1Ts, { secret: 'not-the-secret' }).send()).status).toBe(401);
    expect((await click('UCUST1', 'survey_rate_5', s1, s1Ts, { at: Math.floor(Date.now() / 1000) - 3600 }).send()).status).toBe(401);
    expect(SECRET).not.toBe('not-the-secret');
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBe(2);
    // A validly signed press sent again later (within Slack's 5-minute window) is recognised by its action_ts.
    const earlier = click('UCUST1', 'survey_rate_5', s1, s1Ts);
    expect((await earlier.send()).status).toBe(200);
    expect(String((await h.fake.waitForResponse(earlier.responseId)).body.text)).toBe('Thanks, your rating is now 5/5.');
    expect(await answer('UCUST1', 'survey_rate_2', s1, s1Ts)).toBe('Thanks, your rating is now 2/5.');
    h.fake.responseUrlPosts.splice(0, h.fake.responseUrlPosts.length);
    expect((await earlier.send()).status).toBe(200);
    expect(String((await h.fake.waitForResponse(earlier.responseId)).body.text)).toBe('That click was already counted.');
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBe(2);
  });

  it('takes a comment through the modal, stored and tagged like a customer message, without reopening', async () => {
    const before = h.fake.callsOf('views.open').length;
    expect(await answer('UCUST2', 'survey_comment', s1, s1Ts)).toBe(NOT_YOURS);
    const c = click('UCUST1', 'survey_comment', s1, s1Ts);
    expect((await c.send()).status).toBe(200);
    const opened = await until('views.open', async () => h.fake.callsOf('views.open').length > before && h.fake.callsOf('views.open').at(-1)!);
    expect(h.fake.callsOf('views.open')).toHaveLength(before + 1);
    const view = opened.params.view as { private_metadata: string; callback_id: string };
    expect(view.private_metadata).toBe(s1);
    expect(String(opened.params.trigger_id)).toContain(c.responseId);
    const submission = {
      type: 'view_submission',
      team: { id: TEAM, domain: 'acme' },
      user: { id: 'UCUST1', username: 'carol', team_id: TEAM },
      api_app_id: 'A0APP',
      token: 'legacy-verification-token',
      trigger_id: `${Date.now()}.1.x`,
      view: { id: 'V1', team_id: TEAM, type: 'modal', callback_id: view.callback_id, private_metadata: s1, hash: 'h', state: { values: { comment: { text: { type: 'plain_text_input', value: 'The refund took far too long <!channel>, I am very unhappy' } } } } },
    };
    expect((await h.post(stringify({ payload: JSON.stringify(submission) }), 'application/x-www-form-urlencoded')).status).toBe(200);
    const commentKey = messageKey('slack', TEAM, SUPPORT, `${root}-survey1`);
    await until('the comment message', () => Message.collection.findOne({ _id: commentKey as never }));
    await h.p.waitForTag(commentKey, 0);
    const msg = (await Message.collection.findOne({ _id: commentKey as never }))!;
    expect(msg).toMatchObject({ conversationId: convA, customerId: `slack:${TEAM}:UCUST1`, author: { role: 'customer' }, needsTagging: false });
    expect(msg.tags.sentiment.label).toBe('negative');
    expect((await surveys().findOne({ _id: s1 }))!.comment).toBe('The refund took far too long <!channel>, I am very unhappy');
    expect((await Conversation.collection.findOne({ _id: convA as never }))!.status).toBe('resolved');
  });

  it('asks again when the conversation reopens and is resolved again', async () => {
    await say('UCUST1', 'Actually the second charge is still on my card', root);
    expect((await Conversation.collection.findOne({ _id: convA as never }))!.status).toBe('open');
    await react('UAGENT2', root);
    await asked(convA, 2);
    expect(surveyPosts()).toHaveLength(2);
    const s2 = (await surveys().findOne({ _id: surveyId(convA, 2) }))!;
    expect(await answer('UCUST1', 'survey_rate_5', s2._id, s2.messageId!)).toBe('Thanks for rating this conversation 5/5!');
    // The first round's survey still answers for itself.
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBe(2);
  });

  it('shows exact figures in /history and the digest (fast equals naive)', async () => {
    const rootB = await say('UCUST2', 'How do I export my data?');
    await react('UAGENT1', rootB);
    await asked(await conversationOf(rootB), 1);
    const scope = { platform: 'slack' as const, workspaceId: TEAM };
    const now = new Date();
    const digest = await buildDigest(scope, { now });
    expect(digest.feedback).toEqual({
      csat: { current: 0.5, previous: null },
      responseRate: { current: 2 / 3, previous: null },
      asked: { current: 3, previous: 0 },
      rated: { current: 2, previous: 0 },
      lowest: [{ conversationId: convA, rating: 2, channelId: SUPPORT, permalink: `https://acme.slack.com/archives/${SUPPORT}/p${root.replace('.', '')}`, firstLine: 'I was charged twice on my invoice this month' }],
    });
    expect(await naiveDigest(scope, { now })).toEqual(digest);
    const summary = (await buildCustomerSummary(scope, `slack:${TEAM}:UCUST1`, { now }))!;
    expect(summary.feedback).toEqual({ average: 3.5, ratings: 2, comments: [{ text: 'The refund took far too long <!channel>, I am very unhappy', at: expect.any(Date), conversationId: convA, rating: 2 }] });
    expect(await naiveCustomerSummary(scope, `slack:${TEAM}:UCUST1`, { now })).toEqual(summary);
    const res = await h.command('/history', '<@UCUST1|carol>', 'UAGENT1');
    const shown = JSON.stringify((await h.fake.waitForResponse(res.responseId)).body);
    expect(shown).toContain('3.5/5 from 2 ratings');
    expect(shown).toContain('&lt;!channel&gt;');
    expect(shown).not.toContain('<!channel>');
    const d = await h.command('/digest', '', 'UAGENT1');
    const digestShown = JSON.stringify((await h.fake.waitForResponse(d.responseId)).body);
    // A first week: the shares alone, no "(new)" (issue 18 item 9).
    expect(digestShown).toContain('CSAT 50% · response rate 67% (2 of 3 surveys answered)');
    expect(digestShown).toContain('2/5');
  });

  it('asks once after the quiet-period resolve (maintenance job), after the configured delay', async () => {
    await setSurveySettings('slack', TEAM, { delayMinutes: 30 });
    const old = await say('UCUST2', 'Is the API down?', undefined, new Date(Date.now() - 9 * 86_400_000));
    const convC = await conversationOf(old);
    const maintenance = createMaintenanceProcessor(h.p.queues, h.p.env.log, { resolveAfterDays: 7 });
    expect(await maintenance({ name: 'resolve-quiet' })).toEqual({ resolved: 1 });
    expect(await maintenance({ name: 'resolve-quiet' })).toEqual({ resolved: 0 });
    const job = (await h.p.queues.survey.getJob(surveyJobId(convC, 1)))!;
    expect(job.opts.delay).toBe(30 * 60_000);
    const posts = surveyPosts().length;
    await job.promote();
    await job.waitUntilFinished(events, 20_000);
    expect(surveyPosts()).toHaveLength(posts + 1);
    expect(surveyPosts().at(-1)!.params.thread_ts).toBe(old);
    await setSurveySettings('slack', TEAM, { delayMinutes: 0 });
  });
});
