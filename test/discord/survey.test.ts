// The satisfaction survey through the real discord.js client against the loopback fake Discord (REST and
// gateway), the real survey worker (BullMQ) and the real tag worker.
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Conversation, Message } from '../../src/db/models.js';
import { buildDigest } from '../../src/digest/index.js';
import { naiveDigest } from '../../src/digest/naive.js';
import { buildCustomerSummary } from '../../src/history/index.js';
import { naiveCustomerSummary } from '../../src/history/naive.js';
import { DEFAULT_SURVEY_SETTINGS, setSurveySettings, surveyId, surveyJobId, surveys } from '../../src/feedback/index.js';
import { workerConnection } from '../../src/queue.js';
import { startSurveyWorker, type SurveyWorkerHandle } from '../../jobs/survey.js';
import { NOT_YOURS } from '../../adapters/discord/survey.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';
import type { FakeChannel, FakeMessage, FakeUser } from '../fakes/discord-world.js';

let f: DiscordFixture;
let worker: SurveyWorkerHandle;
let events: QueueEvents;
const EPHEMERAL = 64;

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename);
  worker = startSurveyWorker({ adapters: [f.adapter], defaults: DEFAULT_SURVEY_SETTINGS, timeZone: 'UTC', log: f.p.env.log, redisUrl: f.p.env.redisUrl, prefix: f.p.env.prefix });
  events = new QueueEvents('survey', { connection: workerConnection(f.p.env.redisUrl), prefix: f.p.env.prefix });
  await events.waitUntilReady();
  await setSurveySettings('discord', IDS.guild, { enabled: true, delayMinutes: 0 });
});
afterAll(async () => {
  await events?.close();
  await worker?.close();
  await f?.close();
});

const surveyPosts = (threadId: string) => f.fake.callsTo('POST', new RegExp(`^/channels/${threadId}/messages$`)).filter((c) => JSON.stringify(c.body).includes('survey:rate:1:'));

async function resolveWith(thread: FakeChannel, msg: FakeMessage): Promise<void> {
  const done = new Promise<void>((resolve) => f.adapter.once('resolved', () => resolve()));
  f.fake.react(thread.id, msg.id, USERS.al, '✅');
  await done;
}

async function asked(conversationId: string, round: number): Promise<void> {
  const job = await f.p.queues.survey.getJob(surveyJobId(conversationId, round));
  expect(job, `survey job of round ${round}`).toBeTruthy();
  await job!.waitUntilFinished(events, 20_000);
}

function press(user: FakeUser, customId: string, on: FakeMessage, channelId: string) {
  return f.fake.interact({ type: 3, guildId: IDS.guild, channelId, user, data: { custom_id: customId, component_type: 2 }, message: on });
}

let thread: FakeChannel;
let starter: FakeMessage;
let conv: string;
let s1: string;
let surveyMsg: FakeMessage;

describe('discord satisfaction survey', () => {
  it('is posted once in the forum post’s thread when an agent resolves with ✅', async () => {
    ({ thread, starter } = f.fake.forumPost(IDS.forum, USERS.ada, 'Invoice', 'I was charged twice on my invoice this month'));
    const out = await f.capturedOf(starter.id);
    await f.p.waitForTag(messageKey('discord', IDS.guild, out.msg.channelId, starter.id), 0);
    conv = (await Message.findById(messageKey('discord', IDS.guild, IDS.forum, starter.id)).lean())!.conversationId!;
    await resolveWith(thread, starter);
    await asked(conv, 1);
    await resolveWith(thread, starter); // already resolved: nothing more
    const posts = surveyPosts(thread.id);
    expect(posts).toHaveLength(1);
    const body = posts[0]!.body as { components: Array<{ components: Array<{ custom_id: string }> }>; allowed_mentions: unknown };
    s1 = surveyId(conv, 1);
    expect(body.components[0]!.components.map((c) => c.custom_id)).toEqual([1, 2, 3, 4, 5].map((n) => `survey:rate:${n}:${s1}`));
    expect(body.components[1]!.components[0]!.custom_id).toBe(`survey:comment:${s1}`);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const doc = (await surveys().findOne({ _id: s1 }))!;
    expect(doc).toMatchObject({ state: 'asked', customerId: `discord:${IDS.guild}:${USERS.ada.id}`, threadId: thread.id });
    surveyMsg = f.fake.world.findMessage(thread.id, doc.messageId!)!;
    expect(surveyMsg).toBeTruthy();
  });

  it('refuses someone else’s rating, takes the customer’s, and a second click changes it', async () => {
    const other = await f.fake.waitForAnswer(press(USERS.bo, `survey:rate:5:${s1}`, surveyMsg, thread.id));
    expect(other).toMatchObject({ content: NOT_YOURS, flags: EPHEMERAL });
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBeNull();
    expect((await f.fake.waitForAnswer(press(USERS.ada, `survey:rate:4:${s1}`, surveyMsg, thread.id))).content).toBe('Thanks for rating this conversation 4/5!');
    expect((await f.fake.waitForAnswer(press(USERS.ada, `survey:rate:2:${s1}`, surveyMsg, thread.id))).content).toBe('Thanks, your rating is now 2/5.');
    expect((await surveys().findOne({ _id: s1 }))!.rating).toBe(2);
    expect((await Conversation.collection.findOne({ _id: conv as never }))!.feedback).toMatchObject({ rating: 2, round: 1 });
  });

  it('takes a comment through a modal, tagged like a customer message', async () => {
    const other = await f.fake.waitForAnswer(press(USERS.bo, `survey:comment:${s1}`, surveyMsg, thread.id));
    expect(other.content).toBe(NOT_YOURS);
    const open = press(USERS.ada, `survey:comment:${s1}`, surveyMsg, thread.id);
    const modal = await f.fake.waitForAnswer(open);
    expect(open.callbacks[0]!.type).toBe(9);
    expect(modal.custom_id).toBe(`survey:modal:${s1}`);
    const submit = f.fake.interact({
      type: 5,
      guildId: IDS.guild,
      channelId: thread.id,
      user: USERS.ada,
      data: { custom_id: `survey:modal:${s1}`, components: [{ type: 1, components: [{ type: 4, custom_id: 'comment', value: 'Refund was slow and support was unhelpful @everyone' }] }] },
    });
    expect((await f.fake.waitForAnswer(submit)).content).toBe('Thanks for your comment!');
    const key = messageKey('discord', IDS.guild, IDS.forum, `${starter.id}-survey1`);
    await f.p.waitForTag(key, 0);
    const msg = (await Message.collection.findOne({ _id: key as never }))!;
    expect(msg).toMatchObject({ conversationId: conv, author: { role: 'customer' }, needsTagging: false });
    expect(msg.tags.sentiment.label).toBe('negative');
    expect((await Conversation.collection.findOne({ _id: conv as never }))!.status).toBe('resolved');
  });

  it('asks again after the conversation reopens and is resolved again', async () => {
    const again = f.fake.post(thread.id, USERS.ada, 'The second charge is still there');
    const out = await f.capturedOf(again.id);
    expect(out.status).toBe('stored');
    // Counted before the figures below are compared: the fast read models count a message when its tag job
    // does, the naive scan as soon as it is stored (under load the job was still waiting: 2 messages vs 3).
    await f.p.waitForTag(messageKey('discord', IDS.guild, out.msg.channelId, again.id), 0);
    expect((await Conversation.collection.findOne({ _id: conv as never }))!.status).toBe('open');
    await resolveWith(thread, again);
    await asked(conv, 2);
    expect(surveyPosts(thread.id)).toHaveLength(2);
  });

  it('shows exact figures in /history and /digest (fast equals naive)', async () => {
    const scope = { platform: 'discord' as const, workspaceId: IDS.guild };
    expect(await Message.countDocuments({ needsTagging: true })).toBe(0);
    const now = new Date();
    const digest = await buildDigest(scope, { now });
    expect(digest.feedback).toMatchObject({ csat: { current: 0, previous: null }, responseRate: { current: 0.5, previous: null }, asked: { current: 2, previous: 0 }, rated: { current: 1, previous: 0 } });
    expect(digest.feedback!.lowest).toEqual([expect.objectContaining({ conversationId: conv, rating: 2, firstLine: 'I was charged twice on my invoice this month' })]);
    expect(await naiveDigest(scope, { now })).toEqual(digest);
    const ada = `discord:${IDS.guild}:${USERS.ada.id}`;
    const summary = (await buildCustomerSummary(scope, ada, { now }))!;
    expect(summary.feedback).toMatchObject({ average: 2, ratings: 1, comments: [{ text: 'Refund was slow and support was unhelpful @everyone', rating: 2, conversationId: conv }] });
    expect(await naiveCustomerSummary(scope, ada, { now })).toEqual(summary);
    const h = await f.fake.waitForAnswer(f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'history', options: [{ name: 'query', type: 3, value: 'Ada Lovelace' }] }));
    const field = h.embeds[0].fields.find((x: { name: string }) => x.name === 'Satisfaction');
    expect(field.value).toContain('2.0/5 from 1 rating');
    expect(field.value).not.toContain('@everyone');
    const d = await f.fake.waitForAnswer(f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'digest', options: [] }));
    // A first week: the shares alone, no "(new)" (issue 18 item 9).
    expect(JSON.stringify(d.embeds)).toContain('CSAT 0% · response rate 50% (1 of 2 surveys answered)');
  });

  it('asks a channel conversation (no thread) as a reply to its first message', async () => {
    const root = f.fake.post(IDS.support, USERS.bo, 'How do I reset my password?');
    await f.capturedOf(root.id);
    const convB = (await Message.findById(messageKey('discord', IDS.guild, IDS.support, root.id)).lean())!.conversationId!;
    const done = new Promise<void>((resolve) => f.adapter.once('resolved', () => resolve()));
    f.fake.react(IDS.support, root.id, USERS.al, '✅');
    await done;
    await asked(convB, 1);
    const post = surveyPosts(IDS.support).at(-1)!;
    expect((post.body as { message_reference: { message_id: string } }).message_reference.message_id).toBe(root.id);
    const s = (await surveys().findOne({ _id: surveyId(convB, 1) }))!;
    const msg = f.fake.world.findMessage(IDS.support, s.messageId!)!;
    expect((await f.fake.waitForAnswer(press(USERS.ada, `survey:rate:1:${s._id}`, msg, IDS.support))).content).toBe(NOT_YOURS);
    expect((await f.fake.waitForAnswer(press(USERS.bo, `survey:rate:5:${s._id}`, msg, IDS.support))).content).toBe('Thanks for rating this conversation 5/5!');
  });
});
