// Customer summaries, lookup and identity links on hand-built fixtures, through the real capture → BullMQ →
// tag pipeline on FerretDB. Every expected value is computed by hand from the fixture (see the comments);
// the fast path (counters and projections) is also checked against the naive scan on the same data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCustomerSummary,
  customerHistory,
  HistoryInputError,
  linkCustomers,
  LinkError,
  lookupCustomer,
  resolveConversation,
  unlinkIdentity,
} from '../src/history/index.js';
import { naiveCustomerSummary, naiveLookupCustomer } from '../src/history/naive.js';
import { resolveQuietConversations } from '../src/history/resolve.js';
import { Conversation } from '../src/db/models.js';
import { keyOf, msg, startHistoryPipeline, type HistoryPipeline } from './helpers/history-pipeline.js';

let p: HistoryPipeline;
beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
});
afterAll(async () => {
  await p?.close();
});

const NOW = new Date('2026-11-24T12:00:00Z');
const T1 = { platform: 'slack' as const, workspaceId: 'T1' };

describe('customer summary', () => {
  const ada = { ws: 'T1', user: 'U1', name: 'Ada Lovelace', email: 'ada@example.com' };
  // Old (previous-90-days window), resolved: 2026-09-01, C1, +0.5, billing; an agent answers 30 min later.
  const old = msg({ ...ada, text: 'need:billing sent:0.5', at: '2026-09-01T10:00:00Z' });
  const oldReply = msg({ ws: 'T1', user: 'UA', role: 'agent', thread: old.messageId, text: 'done', at: '2026-09-01T10:30:00Z' });
  // Recent, unanswered: two top-level messages 10 minutes apart in C2 join one conversation.
  const c2a = msg({ ...ada, channel: 'C2', channelName: 'billing-help', text: 'need:billing need:bugs sent:-0.4', at: '2026-11-20T09:00:00Z' });
  const c2b = msg({ ...ada, channel: 'C2', channelName: 'billing-help', text: 'still broken sent:-0.2', at: '2026-11-20T09:10:00Z' });
  // Recent, answered after 20 minutes: C1 thread.
  const acct = msg({ ...ada, text: 'need:account sent:0', at: '2026-11-23T08:00:00Z' });
  const acctReply = msg({ ws: 'T1', user: 'UA', role: 'agent', thread: acct.messageId, text: 'sure', at: '2026-11-23T08:20:00Z' });

  beforeAll(async () => {
    await p.send(old, oldReply, c2a, c2b, acct, acctReply);
    expect(await resolveConversation(T1, { channelId: 'C1', threadId: old.messageId }, { now: new Date('2026-09-02T00:00:00Z') })).toEqual({
      status: 'resolved',
      conversationId: keyOf(old),
    });
  });

  it('counts volume, state, needs and the sentiment trend exactly', async () => {
    const s = await buildCustomerSummary(T1, 'slack:T1:U1', { now: NOW, pageSize: 2 });
    expect(s).not.toBeNull();
    expect(s!.customer).toMatchObject({ id: 'slack:T1:U1', name: 'Ada Lovelace', email: 'ada@example.com', customerSince: new Date('2026-09-01T10:00:00Z'), lastContactAt: new Date('2026-11-23T08:00:00Z') });
    expect(s!.customer.linkedAccounts).toEqual([{ platform: 'slack', workspaceId: 'T1', userId: 'U1', name: 'Ada Lovelace' }]);
    expect(s!.volume).toEqual({
      conversations: { allTime: 3, last30d: 2 },
      messages: { allTime: 4, last30d: 3 },
      byPlatform: [{ platform: 'slack', conversations: 3, messages: 4 }],
      byChannel: [
        { platform: 'slack', channelId: 'C1', channelName: 'support', conversations: 2, messages: 2 },
        { platform: 'slack', channelId: 'C2', channelName: 'billing-help', conversations: 1, messages: 2 },
      ],
    });
    expect(s!.needs).toEqual({
      allTime: [{ need: 'billing', count: 2 }, { need: 'account', count: 1 }, { need: 'bugs', count: 1 }],
      last30d: [{ need: 'account', count: 1 }, { need: 'billing', count: 1 }, { need: 'bugs', count: 1 }],
    });
    // Last 30 days: (-0.4 - 0.2 + 0) / 3 = -0.2 (negative); the 90 days before: +0.5.
    expect(s!.sentiment).toEqual({
      current: { score: -0.2, label: 'negative' },
      last30d: { average: -0.2, count: 3 },
      previous90d: { average: 0.5, count: 1 },
      trend: 'worsening',
      turnedNegative: true,
    });
    // Waiting since 2026-11-20T09:00Z at 2026-11-24T12:00Z: 99 hours.
    expect(s!.state.unanswered.map((c) => [c.id, c.status, c.waitingMs])).toEqual([[keyOf(c2a), 'open', 99 * 3600_000]]);
    expect(s!.state.open.map((c) => [c.id, c.status])).toEqual([
      [keyOf(c2a), 'open'],
      [keyOf(acct), 'answered'],
    ]);
    expect(s!.recent).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(s!.recent.conversations.map((c) => [c.id, c.status, c.firstLine, c.needs, c.channelName])).toEqual([
      [keyOf(acct), 'answered', 'need:account sent:0', ['account'], 'support'],
      [keyOf(c2a), 'open', 'need:billing need:bugs sent:-0.4', ['billing', 'bugs'], 'billing-help'],
    ]);
    expect(s!.recent.conversations[1]!.sentiment).toEqual({ score: -0.3, label: 'negative' });
    const page2 = await buildCustomerSummary(T1, 'slack:T1:U1', { now: NOW, pageSize: 2, page: 2 });
    expect(page2!.recent.conversations.map((c) => [c.id, c.status])).toEqual([[keyOf(old), 'resolved']]);
    expect(await naiveCustomerSummary(T1, 'slack:T1:U1', { now: NOW, pageSize: 2 })).toEqual(s);
  });

  it('reopens a resolved conversation on a customer message, and resolves it after the quiet period', async () => {
    const again = msg({ ...ada, thread: old.messageId, text: 'it happened again', at: '2026-11-24T09:00:00Z' });
    await p.send(again);
    let s = await buildCustomerSummary(T1, 'slack:T1:U1', { now: NOW });
    // Reopened: open again, waiting since the customer's new message (3 hours at NOW), not since the start.
    expect(s!.recent.conversations[0]).toMatchObject({ id: keyOf(old), status: 'open' });
    expect(s!.state.unanswered.map((c) => [c.id, c.waitingMs])).toEqual([
      [keyOf(c2a), 99 * 3600_000],
      [keyOf(old), 3 * 3600_000],
    ]);
    // Seven quiet days after 2026-11-24T09:00Z every conversation of T1 has been quiet long enough.
    const later = new Date('2026-12-02T09:00:01Z');
    const { resolved } = await resolveQuietConversations({ days: 7, now: later });
    expect(resolved).toBe(3);
    s = await buildCustomerSummary(T1, 'slack:T1:U1', { now: later });
    expect(s!.state).toEqual({ open: [], unanswered: [] });
    expect((await Conversation.findById(keyOf(acct)).lean())?.resolvedAt).toEqual(later);
    expect(await resolveConversation(T1, keyOf(acct))).toEqual({ status: 'already-resolved', conversationId: keyOf(acct) });
    // Another workspace cannot resolve (or even find) it.
    expect(await resolveConversation({ platform: 'slack', workspaceId: 'T2' }, keyOf(acct))).toEqual({ status: 'not-found' });
  });

  it('is invisible from another workspace', async () => {
    expect(await buildCustomerSummary({ platform: 'slack', workspaceId: 'T2' }, 'slack:T1:U1', { now: NOW })).toBeNull();
    expect(await buildCustomerSummary({ platform: 'discord', workspaceId: 'T1' }, 'slack:T1:U1', { now: NOW })).toBeNull();
  });
});

describe('lookup', () => {
  beforeAll(async () => {
    await p.send(
      msg({ ws: 'T3', user: 'U1', name: 'Ada Lovelace', email: 'ada.l@example.com', at: '2026-11-20T10:00:00Z' }),
      msg({ ws: 'T3', user: 'U2', name: 'Adam Smith', at: '2026-11-21T10:00:00Z' }),
      msg({ ws: 'T3', user: 'U3', name: 'Zoë Ådams', email: 'Zoe@Example.com', at: '2026-11-22T10:00:00Z' }),
      msg({ ws: 'T4', user: 'U9', name: 'Ada Other', email: 'other@example.com', at: '2026-11-22T10:00:00Z' }),
    );
  });
  const T3 = { platform: 'slack' as const, workspaceId: 'T3' };

  it('finds by name (case and accents ignored), best matches first, ambiguous as a short list', async () => {
    expect(await lookupCustomer(T3, { name: 'ada lovelace' })).toMatchObject({ kind: 'found', customer: { id: 'slack:T3:U1' } });
    expect(await lookupCustomer(T3, { name: 'ZOE' })).toMatchObject({ kind: 'found', customer: { id: 'slack:T3:U3', name: 'Zoë Ådams' } });
    expect(await lookupCustomer(T3, { name: 'adams' })).toMatchObject({ kind: 'found', customer: { id: 'slack:T3:U3' } });
    // "ada" starts both "ada lovelace" and "adam smith" (newest contact first), then a later word ("zoe adams").
    const amb = await lookupCustomer(T3, { name: 'Ada' });
    expect(amb.kind).toBe('ambiguous');
    expect(amb.kind === 'ambiguous' && amb.candidates.map((c) => c.id)).toEqual(['slack:T3:U2', 'slack:T3:U1', 'slack:T3:U3']);
    expect(await lookupCustomer(T3, { name: 'nobody' })).toEqual({ kind: 'not-found' });
    for (const q of ['ada', 'Zoë', 'adam s', 'lovelace']) expect(await lookupCustomer(T3, { name: q })).toEqual(await naiveLookupCustomer(T3, { name: q }));
    // customerHistory (what /history calls) = the lookup, then the found customer's summary; none when ambiguous.
    for (const q of [{ name: 'ada lovelace' }, { name: 'ZOE' }, { userId: 'U2' }, { email: 'zoe@example.com' }]) {
      const h = await customerHistory(T3, q, { now: NOW });
      const found = await lookupCustomer(T3, q);
      expect(h.lookup).toEqual(found);
      expect(h.summary).toEqual(found.kind === 'found' ? await buildCustomerSummary(T3, found.customer.id, { now: NOW }) : null);
      expect(h.summary).not.toBeNull();
    }
    expect(await customerHistory(T3, { name: 'Ada' }, { now: NOW })).toEqual({ lookup: amb, summary: null });
    expect(await customerHistory(T3, { name: 'nobody' })).toEqual({ lookup: { kind: 'not-found' }, summary: null });
  });

  it('finds by email and by platform id, only within the workspace', async () => {
    expect(await lookupCustomer(T3, { email: 'ZOE@example.com' })).toMatchObject({ kind: 'found', customer: { id: 'slack:T3:U3', email: 'zoe@example.com' } });
    expect(await lookupCustomer(T3, { userId: 'U2' })).toMatchObject({ kind: 'found', customer: { id: 'slack:T3:U2', name: 'Adam Smith' } });
    expect(await lookupCustomer(T3, { email: 'other@example.com' })).toEqual({ kind: 'not-found' });
    expect(await lookupCustomer(T3, { name: 'other' })).toEqual({ kind: 'not-found' });
    expect(await lookupCustomer(T3, { userId: 'U9' })).toEqual({ kind: 'not-found' });
  });

  it('treats the query as data: regex characters match literally, objects are refused', async () => {
    expect(await lookupCustomer(T3, { name: '.*' })).toEqual({ kind: 'not-found' });
    expect(await naiveLookupCustomer(T3, { name: 'a.*' })).toEqual({ kind: 'not-found' });
    await expect(lookupCustomer(T3, { name: { $gt: '' } } as never)).rejects.toBeInstanceOf(HistoryInputError);
    await expect(lookupCustomer(T3, { email: 'not an email' })).rejects.toThrow(/not an email address/);
    await expect(lookupCustomer({ platform: 'slack', workspaceId: { $ne: 'x' } } as never, { name: 'ada' })).rejects.toThrow(/scope must name/);
  });
});

describe('identity links', () => {
  const SL = { platform: 'slack' as const, workspaceId: 'T5' };
  const DC = { platform: 'discord' as const, workspaceId: '900000000000000001' };
  const dc = (user: string, name: string, text: string, at: string, email?: string) =>
    msg({ platform: 'discord', ws: DC.workspaceId, channel: '910000000000000001', channelName: 'help', user, name, text, at, ...(email ? { email } : {}) });

  it('links identities with the same email automatically, across platforms; history spans both', async () => {
    await p.send(
      msg({ ws: 'T5', user: 'U1', name: 'Kim', email: 'kim@example.com', text: 'need:billing sent:-0.5', at: '2026-11-20T10:00:00Z' }),
      dc('920000000000000001', 'kim_d', 'need:bugs sent:0.5', '2026-11-21T10:00:00Z', 'KIM@example.com'),
      dc('920000000000000001', 'kim_d', 'more sent:0.3', '2026-11-21T10:05:00Z', 'kim@example.com'),
    );
    const fromSlack = await buildCustomerSummary(SL, 'slack:T5:U1', { now: NOW });
    expect(fromSlack!.customer.linkedAccounts.map((a) => a.platform).sort()).toEqual(['discord', 'slack']);
    expect(fromSlack!.volume.messages).toEqual({ allTime: 3, last30d: 3 });
    expect(fromSlack!.volume.byPlatform).toEqual([
      { platform: 'discord', conversations: 1, messages: 2 },
      { platform: 'slack', conversations: 1, messages: 1 },
    ]);
    expect(fromSlack!.needs.allTime).toEqual([{ need: 'billing', count: 1 }, { need: 'bugs', count: 1 }]);
    // (-0.5 + 0.5 + 0.3) / 3 = 0.1
    expect(fromSlack!.sentiment.last30d).toEqual({ average: 0.1, count: 3 });
    // The Discord guild sees the same customer, found by email as one customer.
    const fromDiscord = await lookupCustomer(DC, { email: 'kim@example.com' });
    expect(fromDiscord).toMatchObject({ kind: 'found', customer: { id: 'discord:900000000000000001:920000000000000001' } });
    const viaDiscord = await buildCustomerSummary(DC, 'discord:900000000000000001:920000000000000001', { now: NOW });
    expect(viaDiscord!.volume).toEqual(fromSlack!.volume);
    // Two identities under one email: the summary is the asking guild's identity's (read after the lookup).
    expect(await customerHistory(DC, { email: 'kim@example.com' }, { now: NOW })).toEqual({ lookup: fromDiscord, summary: viaDiscord });
    expect(await naiveCustomerSummary(SL, 'slack:T5:U1', { now: NOW })).toEqual(fromSlack);
  });

  it('links by command and unlinks, giving each identity back exactly its own counters', async () => {
    await p.send(
      msg({ ws: 'T5', user: 'U2', name: 'Lee', text: 'need:account sent:-0.2', at: '2026-11-22T10:00:00Z' }),
      dc('920000000000000002', 'lee_d', 'need:account sent:-0.4', '2026-11-22T11:00:00Z'),
    );
    const lee = 'slack:T5:U2';
    const leeD = 'discord:900000000000000001:920000000000000002';
    await expect(linkCustomers(SL, [lee, leeD])).rejects.toBeInstanceOf(LinkError); // not visible from T5 without crossWorkspace
    await expect(linkCustomers({ platform: 'slack', workspaceId: 'T9' }, [lee, leeD], { crossWorkspace: true })).rejects.toThrow(/not visible/);
    const linked = await linkCustomers(SL, [lee, leeD], { crossWorkspace: true });
    expect(linked.members).toEqual([leeD, lee]);
    let s = await buildCustomerSummary(SL, lee, { now: NOW });
    expect(s!.volume.messages.allTime).toBe(2);
    expect(s!.needs.allTime).toEqual([{ need: 'account', count: 2 }]);
    expect(s!.sentiment.last30d).toEqual({ average: -0.3, count: 2 });
    expect(await buildCustomerSummary(DC, lee, { now: NOW })).not.toBeNull();

    expect(await unlinkIdentity(SL, leeD)).toEqual({ groupId: null, remaining: [lee] });
    s = await buildCustomerSummary(SL, lee, { now: NOW });
    expect(s!.volume.messages.allTime).toBe(1);
    expect(s!.sentiment.last30d).toEqual({ average: -0.2, count: 1 });
    expect(await buildCustomerSummary(SL, leeD, { now: NOW })).toBeNull();
    expect((await buildCustomerSummary(DC, leeD, { now: NOW }))!.volume.messages.allTime).toBe(1);
  });

  it('does not link an unlinked identity again automatically', async () => {
    const kimD = 'discord:900000000000000001:920000000000000001';
    await unlinkIdentity(DC, kimD);
    await p.send(dc('920000000000000001', 'kim_d', 'hello again', '2026-11-23T10:00:00Z', 'kim@example.com'));
    const s = await buildCustomerSummary(SL, 'slack:T5:U1', { now: NOW });
    expect(s!.customer.linkedAccounts.map((a) => a.platform)).toEqual(['slack']);
    expect(s!.volume.messages.allTime).toBe(1);
    expect((await buildCustomerSummary(DC, kimD, { now: NOW }))!.volume.messages.allTime).toBe(3);
  });
});
