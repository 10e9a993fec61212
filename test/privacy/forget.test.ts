// Forgetting a customer (src/privacy/forget.ts) through the real capture → BullMQ → tag pipeline: afterwards
// /history finds them by no id, email or name, no stored document (messages, conversations, counters, read
// models) names them, and the other customers' summaries and the workspace's digest are exactly what the
// remaining messages say (fast path equal to the naive scan, rollups equal to the sum of what is left).
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Customer, Message, WeeklyRollup } from '../../src/db/models.js';
import { naiveDigest } from '../../src/digest/naive.js';
import { buildDigest } from '../../src/digest/index.js';
import { buildCustomerSummary, lookupCustomer } from '../../src/history/index.js';
import { naiveCustomerSummary } from '../../src/history/naive.js';
import { customerHistory } from '../../src/privacy/export.js';
import { feedbackCustomers, feedbackWeeks, surveyId, surveys, type SurveyDoc } from '../../src/feedback/store.js';
import { forgetCustomer } from '../../src/privacy/forget.js';
import { keyOf, msg, startHistoryPipeline, type HistoryPipeline } from '../helpers/history-pipeline.js';

let p: HistoryPipeline;
beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
});
afterAll(async () => {
  await p?.close();
});

const T1 = { platform: 'slack' as const, workspaceId: 'T1' };
const NOW = new Date('2026-11-25T12:00:00Z');
const WEEK = '2026-W48';
const ADA = 'slack:T1:UADA';

const ada = { ws: 'T1', user: 'UADA', name: 'Ada Quillfeather', email: 'ada.q@example.com' };
const bo = { ws: 'T1', user: 'UBO', name: 'Bo Builder', email: 'bo@example.com' };
const cy = { ws: 'T1', user: 'UCY', name: 'Cy Cooper' };
const agent = { ws: 'T1', user: 'UAGENT', role: 'agent' as const };

// Ada: a thread (an agent answers, Cy chimes in, Ada follows up), a negative channel run in C2, a reply in Bo's thread.
const adaRoot = msg({ ...ada, text: 'need:billing sent:-0.6 secret-ada-1', at: '2026-11-23T09:00:00Z' });
const adaAgent = msg({ ...agent, thread: adaRoot.messageId, text: 'looking at it', at: '2026-11-23T09:15:00Z' });
const cyInAda = msg({ ...cy, thread: adaRoot.messageId, text: 'need:billing same here sent:-0.2', at: '2026-11-23T09:20:00Z' });
const adaFollow = msg({ ...ada, thread: adaRoot.messageId, text: 'sent:-0.8 secret-ada-2', at: '2026-11-23T09:30:00Z' });
const adaC2 = msg({ ...ada, channel: 'C2', channelName: 'billing-help', text: 'need:refund sent:-0.5 secret-ada-3', at: '2026-11-24T10:00:00Z' });
// Bo: a thread an agent answers; Ada replies in it too.
const boRoot = msg({ ...bo, text: 'need:account sent:0.3', at: '2026-11-23T11:00:00Z' });
const boAgent = msg({ ...agent, thread: boRoot.messageId, text: 'done', at: '2026-11-23T11:10:00Z' });
const adaInBo = msg({ ...ada, thread: boRoot.messageId, text: 'sent:0.1 secret-ada-4', at: '2026-11-23T11:20:00Z' });
// Cy: a conversation of her own.
const cyRoot = msg({ ...cy, text: 'need:bugs sent:-0.3', at: '2026-11-24T08:00:00Z' });
// Ada on Discord, same email: linked automatically; stays (another workspace's identity).
const adaDiscord = msg({ platform: 'discord', ws: 'G1', channel: 'D1', user: 'DADA', name: 'Ada Quillfeather', email: 'ada.q@example.com', text: 'hi from discord', at: '2026-11-24T12:00:00Z' });

async function allDocs(): Promise<Array<{ collection: string; doc: unknown }>> {
  const db = mongoose.connection.db!;
  const out: Array<{ collection: string; doc: unknown }> = [];
  for (const c of await db.listCollections().toArray()) {
    for (const doc of await db.collection(c.name).find({}).toArray()) out.push({ collection: c.name, doc });
  }
  return out;
}

describe('forget a customer', () => {
  beforeAll(async () => {
    await p.send(adaRoot, adaAgent, cyInAda, adaFollow, adaC2, boRoot, boAgent, adaInBo, cyRoot, adaDiscord);
    // Satisfaction surveys (src/feedback) as the survey job and the answer handler leave them: Ada rated her
    // thread and commented; Bo rated his. Only Ada's may go.
    for (const [conv, customer, rating, comment] of [
      [keyOf(adaRoot), ADA, 2, 'secret-ada-5 slow answer'],
      [keyOf(boRoot), 'slack:T1:UBO', 5, null],
    ] as const) {
      const id = surveyId(conv, 1);
      const doc: SurveyDoc = {
        _id: id, conversationId: conv, round: 1, platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: conv.split(':').pop()!, rootMessageId: conv.split(':').pop()!,
        customerId: customer, customerUserId: customer.split(':').pop()!, state: 'asked', claimedAt: NOW, askedAt: NOW, week: WEEK, messageId: '1700000001.000001',
        rating, ratedAt: NOW, ratedBy: customer.split(':').pop()!, comment, commentAt: comment ? NOW : null,
      };
      await surveys().insertOne(doc);
      await feedbackWeeks().updateOne({ _id: `slack:T1:${WEEK}` }, { $set: { [`a.${id}`]: 1, [`r.${id}`]: { c: conv, r: rating } } }, { upsert: true });
      await feedbackCustomers().updateOne({ _id: customer }, { $set: { [`r.${id}`]: rating, ...(comment ? { [`cm.${id}`]: { t: comment, at: NOW, c: conv } } : {}) } }, { upsert: true });
    }
    await Conversation.updateOne({ _id: keyOf(adaRoot) }, { $set: { resolveRound: 1 } });
  });

  it('exports exactly her conversations and messages first', async () => {
    const h = await customerHistory(ADA);
    expect(h!.conversations.map((c) => c._id).sort()).toEqual([keyOf(adaRoot), keyOf(adaC2)].sort());
    expect(h!.messages.map((m) => m._id)).toEqual([adaRoot, adaAgent, cyInAda, adaFollow, adaInBo, adaC2].map(keyOf));
  });

  it('leaves nothing that names her, and every other counter exact', async () => {
    expect((await lookupCustomer(T1, { userId: 'UADA' })).kind).toBe('found');
    // Linked automatically with her Discord identity (same email): that group goes with her Slack identity.
    expect((await buildCustomerSummary(T1, ADA, { now: NOW }))!.customer.linkedAccounts.map((a) => a.userId).sort()).toEqual(['DADA', 'UADA']);
    const before = await allDocs();
    expect(before.some((d) => JSON.stringify(d.doc).includes(ADA))).toBe(true);

    const r = await forgetCustomer(ADA, { log: p.env.log, tagQueue: p.queues.tag });
    expect(r).toMatchObject({ customerId: ADA, conversations: 2, messages: 6 });

    // Not found by id, email or name (from her workspace).
    expect(await lookupCustomer(T1, { userId: 'UADA' })).toEqual({ kind: 'not-found' });
    expect(await lookupCustomer(T1, { email: 'ada.q@example.com' })).toEqual({ kind: 'not-found' });
    expect(await lookupCustomer(T1, { name: 'Ada Quillfeather' })).toEqual({ kind: 'not-found' });
    expect(await lookupCustomer(T1, { name: 'Ada' })).toEqual({ kind: 'not-found' });
    expect(await buildCustomerSummary(T1, ADA, { now: NOW })).toBeNull();

    // No document of any collection mentions her id, her conversations, her texts or her name (in her workspace).
    const mentions = [ADA, 'slack_T1_UADA', keyOf(adaRoot), keyOf(adaC2), 'secret-ada', 'ada quillfeather|slack:T1', 'slack:T1|ada'];
    for (const { collection, doc } of await allDocs()) {
      const text = JSON.stringify(doc).toLowerCase();
      for (const m of mentions) expect(text.includes(m.toLowerCase()), `${collection} ${text.slice(0, 300)} mentions ${m}`).toBe(false);
    }
    for (const k of [adaRoot, adaAgent, cyInAda, adaFollow, adaInBo, adaC2].map(keyOf)) expect(await Message.exists({ _id: k })).toBeNull();
    // Her survey, its entries in the week's figures and her ratings are gone; Bo's stay.
    expect(await surveys().countDocuments({})).toBe(1);
    expect(await feedbackWeeks().findOne({ _id: `slack:T1:${WEEK}` })).toMatchObject({ a: { [surveyId(keyOf(boRoot), 1)]: 1 }, r: { [surveyId(keyOf(boRoot), 1)]: { r: 5 } } });
    expect(Object.keys((await feedbackWeeks().findOne({ _id: `slack:T1:${WEEK}` }))!.r!)).toEqual([surveyId(keyOf(boRoot), 1)]);
    expect(await feedbackCustomers().findOne({ _id: ADA })).toBeNull();
    expect(await Conversation.countDocuments({ customerId: ADA })).toBe(0);
    expect(await Customer.exists({ _id: ADA })).toBeNull();

    // Others: fast summaries equal the naive scan of what is left, with the hand-computed counts.
    for (const id of ['slack:T1:UBO', 'slack:T1:UCY', 'discord:G1:DADA']) {
      const scope = id.startsWith('discord') ? { platform: 'discord' as const, workspaceId: 'G1' } : T1;
      const fast = await buildCustomerSummary(scope, id, { now: NOW, pageSize: 10 });
      expect(fast, id).not.toBeNull();
      expect(fast).toEqual(await naiveCustomerSummary(scope, id, { now: NOW, pageSize: 10 }));
    }
    const boSummary = await buildCustomerSummary(T1, 'slack:T1:UBO', { now: NOW });
    expect(boSummary!.volume.messages.allTime).toBe(1);
    // Her Discord identity (another workspace) stays, on its own.
    expect((await buildCustomerSummary({ platform: 'discord', workspaceId: 'G1' }, 'discord:G1:DADA', { now: NOW }))!.customer.linkedAccounts).toHaveLength(1);
    // Cy's reply in Ada's thread went with the thread: her own conversation is what is left.
    const cySummary = await buildCustomerSummary(T1, 'slack:T1:UCY', { now: NOW });
    expect(cySummary!.volume.messages.allTime).toBe(1);
    expect(await Customer.findById('slack:T1:UCY', { counts: 1 }).lean()).toMatchObject({ counts: { messages: 1, conversations: 1 } });

    // The workspace's week: the fast digest equals the naive scan, and the rollup is the sum of what is left.
    const fastDigest = await buildDigest(T1, { week: WEEK, now: NOW });
    expect(fastDigest).toEqual(await naiveDigest(T1, { week: WEEK, now: NOW }));
    expect(fastDigest.customers.new.current).toBe(2); // Bo and Cy
    const rollup = await WeeklyRollup.findById(`slack:T1:${WEEK}`).lean();
    const left = await Message.find({ workspaceId: 'T1' }).lean();
    const sum = (path: string): number =>
      left.reduce((s, m) => s + ((m.counted as { contribution: { rollup: Array<{ path: string; n: number }> } } | null)?.contribution.rollup ?? []).filter((i) => i.path === path).reduce((a, i) => a + i.n, 0), 0);
    expect(rollup?.counts).toMatchObject({ messages: 3, customerMessages: 2, agentMessages: 1, conversations: 2 }); // Bo's thread (2), Cy's own
    expect(rollup?.counts).toMatchObject({ messages: sum('counts.messages'), customerMessages: sum('counts.customerMessages'), conversations: sum('counts.conversations') });
    expect(rollup?.needs).toMatchObject({ billing: 0, refund: 0, account: 1, bugs: 1 });
    expect(rollup?.sentiment).toMatchObject({ count: sum('sentiment.count'), negative: 1, positive: 1 });

    // Running it again changes nothing.
    const again = await forgetCustomer(ADA, { log: p.env.log });
    expect(again).toMatchObject({ conversations: 0, messages: 0, countersAdjusted: 0 });
    expect(await WeeklyRollup.findById(`slack:T1:${WEEK}`).lean()).toMatchObject({ counts: rollup!.counts, customers: rollup!.customers });
  }, 180_000); // bounds, not waits: a few seconds on a quiet machine
});
