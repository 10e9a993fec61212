// Backfill after downtime: the real adapter reads conversations.history/replies from the loopback fake
// (paginated, one 429 with Retry-After) and captures exactly what it missed, once.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { checkpointKey, messageKey } from '../../src/domain/keys.js';
import { Checkpoint, Conversation, Message } from '../../src/db/models.js';
import { slackTsToDate } from '../../adapters/slack/map-event.js';
import { slackTs, type FakeMessage } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
});
afterAll(async () => {
  await h?.close();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const at = (msAgo: number): string => slackTs(new Date(Date.now() - msAgo));
const key = (ts: string, channel = SUPPORT): string => messageKey('slack', TEAM, channel, ts);

/** Posts a message live (the fake keeps it in history too) and waits for the 200. */
async function live(m: FakeMessage): Promise<FakeMessage> {
  h.fake.addMessage(SUPPORT, m);
  const res = await h.sendEvent({ type: 'message', channel: SUPPORT, ...m });
  expect(res.status).toBe(200);
  return m;
}

describe('backfill', () => {
  it('captures exactly the messages and thread replies posted while the bot was down, once', async () => {
    // Long before: never captured, and older than checkpoint minus lookback, so not read again.
    const ancient = h.fake.addMessage(SUPPORT, { ts: at(72 * HOUR), user: 'UCUST2', text: 'an old question from before the install' });

    // Up and capturing.
    const first = await h.startAdapter({ backfillLookbackMs: 24 * HOUR, backfillPageSize: 2 });
    const root = await live({ ts: at(5 * HOUR), user: 'UCUST1', text: 'I cannot export my data' });
    const reply = await live({ ts: at(5 * HOUR - 60_000), user: 'UAGENT1', text: 'Which format do you need?', thread_ts: root.ts });
    const edited = await live({ ts: at(4 * HOUR), user: 'UCUST2', text: 'Hw do I add a seat?' });
    await h.p.drain(); // the worker advances the checkpoint as it places what was captured
    const checkpoint = await Checkpoint.findById(checkpointKey('slack', TEAM, SUPPORT)).lean();
    expect(checkpoint?.lastTs?.getTime()).toBe(slackTsToDate(edited.ts)!.getTime());
    await first.stop();

    // Down for a few hours: a new thread, a reply to the old thread, an edit, noise and another channel.
    const missed: FakeMessage[] = [];
    missed.push(h.fake.addMessage(SUPPORT, { ts: at(3 * HOUR), user: 'UCUST1', text: 'CSV please', thread_ts: root.ts }));
    const newRoot = h.fake.addMessage(SUPPORT, { ts: at(2 * HOUR), user: 'WEXT1', text: 'Our SSO login fails since this morning' });
    missed.push(newRoot);
    missed.push(h.fake.addMessage(SUPPORT, { ts: at(2 * HOUR - 60_000), user: 'UAGENT1', text: 'Looking into it now', thread_ts: newRoot.ts }));
    missed.push(h.fake.addMessage(SUPPORT, { ts: at(2 * HOUR - 120_000), user: 'WEXT1', text: 'Thanks!', thread_ts: newRoot.ts }));
    missed.push(h.fake.addMessage(SUPPORT, { ts: at(HOUR), user: 'UCUST2', text: 'Also: invoices', files: [{ id: 'F1', name: 'invoice.pdf', filetype: 'pdf', size: 1200 }], subtype: 'file_share' }));
    missed.push(h.fake.addMessage(SUPPORT, { ts: at(30 * 60_000), subtype: 'bot_message', bot_id: 'B0STATUS', username: 'StatusPage', text: 'SSO degraded' }));
    h.fake.addMessage(SUPPORT, { ts: at(50 * 60_000), subtype: 'channel_join', user: 'UCUST2', text: '<@UCUST2> has joined the channel' });
    h.fake.addMessage('C0RANDOM', { ts: at(40 * 60_000), user: 'UCUST1', text: 'not a support channel' });
    const stored = h.fake.messages.get(SUPPORT)!.find((m) => m.ts === edited.ts)!;
    stored.text = 'How do I add a seat?';
    stored.edited = { user: 'UCUST2', ts: at(90 * 60_000) };
    h.fake.rateLimitOnce.set('conversations.history', 1);

    // Back up: the start-up backfill runs.
    const callsBefore = h.fake.calls.length;
    const second = await h.startAdapter({ backfillOnStart: true, backfillLookbackMs: 24 * HOUR, backfillPageSize: 2 });
    const report = await second.backfillDone;
    expect(report).not.toBeNull();
    const support = report!.channels.find((c) => c.channelId === SUPPORT)!;
    expect(report!.channels.map((c) => c.channelId)).toEqual([SUPPORT]);
    expect(support.error).toBeUndefined();
    expect(support.stored).toBe(missed.length);
    expect(support.duplicates).toBe(3); // root, reply and the edited message, read again in the lookback
    expect(support.ignored).toBe(1); // the join
    expect(support.pages).toBeGreaterThan(3); // paginated at 2 per page

    for (const m of missed) {
      const doc = await Message.findById(key(m.ts)).lean();
      expect(doc, m.text).toMatchObject({ source: 'backfill', text: m.text });
    }
    expect(await Message.findById(key(ancient.ts)).lean()).toBeNull();
    expect(await Message.countDocuments({ channelId: 'C0RANDOM' })).toBe(0);
    expect(await Message.countDocuments({ workspaceId: TEAM })).toBe(3 + missed.length);
    // The reply to the old thread joined the old conversation; the new thread's replies joined theirs.
    await h.p.drain();
    const oldThreadReply = await Message.findById(key(missed[0]!.ts)).lean();
    const rootDoc = await Message.findById(key(root.ts)).lean();
    expect(oldThreadReply?.conversationId).toBe(rootDoc?.conversationId);
    expect((await Message.findById(key(missed[2]!.ts)).lean())?.conversationId).toBe((await Message.findById(key(newRoot.ts)).lean())?.conversationId);
    // The edit made while down was applied.
    expect((await Message.findById(key(edited.ts)).lean())?.text).toBe('How do I add a seat?');
    expect((await Message.findById(key(newRoot.ts)).lean())?.author?.role).toBe('customer');
    expect((await Message.findById(key(missed[5]!.ts)).lean())?.author?.role).toBe('bot');

    // 429 honoured: the retry came no sooner than Retry-After (1 s) later.
    const history = h.fake.calls.slice(callsBefore).filter((c) => c.method === 'conversations.history');
    const limited = history.findIndex((c) => c.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect(history[limited + 1]!.at - history[limited]!.at).toBeGreaterThanOrEqual(1000);
    // Replies fetched only for threads with activity since the checkpoint (the old thread and the new one).
    const repliesFor = new Set(h.fake.calls.slice(callsBefore).filter((c) => c.method === 'conversations.replies').map((c) => c.params.ts));
    expect(repliesFor).toEqual(new Set([root.ts, newRoot.ts]));

    // Running it again captures nothing new.
    const again = await second.backfill();
    expect(again.stored).toBe(0);
    expect(await Message.countDocuments({ workspaceId: TEAM })).toBe(3 + missed.length);
    const cp = await Checkpoint.findById(checkpointKey('slack', TEAM, SUPPORT)).lean();
    expect(cp?.lastTs?.getTime()).toBeGreaterThan(checkpoint!.lastTs!.getTime());
  }, 180_000); // bounds, not waits: ~15 s on a quiet machine, more when two cores run everyone's tests

  it('backfills a support channel the bot is invited into, and no other', async () => {
    await h.adapter?.stop();
    const records = new EventEmitter();
    const sink = new Writable({
      write(chunk, _enc, done) {
        records.emit('record', JSON.parse(String(chunk)));
        done();
      },
    });
    const backfilled = (channelId: string): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        const on = (r: Record<string, unknown>): void => {
          if (r.msg === 'slack channel backfilled' && r.channelId === channelId) {
            records.off('record', on);
            resolve(r);
          }
        };
        records.on('record', on);
      });
    const adapter = await h.startAdapter({ initialBackfillMs: 7 * 24 * HOUR }, { supportChannels: ['#support', '#billing-help'] }, createLogger('info', sink));
    const earlier = h.fake.addMessage('C0OTHER', { ts: at(2 * HOUR), user: 'UCUST1', text: 'posted in billing-help before the bot was invited' });
    h.fake.addMessage('C0RANDOM', { ts: at(2 * HOUR), user: 'UCUST1', text: 'random chatter' });
    h.fake.channels.find((c) => c.id === 'C0OTHER')!.is_member = true;
    h.fake.channels.find((c) => c.id === 'C0RANDOM')!.is_member = true;
    const done = backfilled('C0OTHER');
    const callsBefore = h.fake.calls.length;
    for (const channel of ['C0RANDOM', 'C0OTHER']) {
      const res = await h.sendEvent({ type: 'member_joined_channel', user: h.fake.bot.userId, channel, channel_type: 'C', team: TEAM, inviter: 'UAGENT1', event_ts: slackTs() });
      expect(res.status).toBe(200);
    }
    expect(await done).toMatchObject({ stored: 1 });
    expect(await Message.findById(key(earlier.ts, 'C0OTHER')).lean()).toMatchObject({ source: 'backfill', channelId: 'C0OTHER' });
    await adapter.stop(); // waits for background work, so a C0RANDOM backfill would have been requested by now
    const historyOf = new Set(h.fake.calls.slice(callsBefore).filter((c) => c.method === 'conversations.history').map((c) => c.params.channel));
    expect(historyOf).toEqual(new Set(['C0OTHER']));
    expect(await Message.countDocuments({ channelId: 'C0RANDOM' })).toBe(0);
  });

  it('captures a reply posted while down to a thread whose root is days older than the checkpoint, once', async () => {
    await h.adapter?.stop();
    // Days ago: a customer's thread, answered live two days ago. Its root is far older than checkpoint − lookback,
    // so conversations.history (ordered by the parent's ts) never returns it again.
    const first = await h.startAdapter({ backfillLookbackMs: HOUR, backfillPageSize: 2 });
    const oldRoot = await live({ ts: at(3 * DAY), user: 'UCUST1', text: 'Our webhook stopped firing' });
    const agentReply = await live({ ts: at(2 * DAY), user: 'UAGENT1', text: 'Can you send the endpoint?', thread_ts: oldRoot.ts });
    // A thread with no new activity (also known from storage): not asked for replies.
    const quietRoot = await live({ ts: at(4 * DAY), user: 'UCUST2', text: 'Where are the API docs?' });
    await live({ ts: at(4 * DAY - 60_000), user: 'UAGENT1', text: 'Here you go', thread_ts: quietRoot.ts });
    // A thread with no message in the activity horizon (14 days): not looked at.
    const staleRoot = await live({ ts: at(20 * DAY), user: 'UCUST2', text: 'An ancient thread' });
    const recent = await live({ ts: at(20 * 60_000), user: 'UCUST2', text: 'Unrelated recent question' });
    await h.p.drain();
    expect((await Checkpoint.findById(checkpointKey('slack', TEAM, SUPPORT)).lean())?.lastTs?.getTime()).toBe(slackTsToDate(recent.ts)!.getTime());
    await first.stop();

    // Down: the customer answers in the old thread.
    const missed = h.fake.addMessage(SUPPORT, { ts: at(5 * 60_000), user: 'UCUST1', text: 'https://hooks.example.test/in', thread_ts: oldRoot.ts });
    h.fake.addMessage(SUPPORT, { ts: at(4 * 60_000), user: 'UCUST2', text: 'late reply to the ancient thread', thread_ts: staleRoot.ts });
    h.fake.rateLimitOnce.set('conversations.replies', 1);

    const callsBefore = h.fake.calls.length;
    const second = await h.startAdapter({ backfillOnStart: true, backfillLookbackMs: HOUR, backfillPageSize: 2 });
    const report = await second.backfillDone;
    const support = report!.channels.find((c) => c.channelId === SUPPORT)!;
    expect(support.error).toBeUndefined();
    expect(support.stored).toBe(1);
    await h.p.drain();
    const doc = await Message.findById(key(missed.ts)).lean();
    expect(doc).toMatchObject({ source: 'backfill', text: missed.text, threadId: oldRoot.ts });
    expect(doc?.conversationId).toBe((await Message.findById(key(oldRoot.ts)).lean())?.conversationId);
    expect(await Message.findById(key(agentReply.ts)).lean()).toMatchObject({ source: 'live' });
    const conv = await Conversation.findById(doc!.conversationId).lean();
    expect(conv?.lastCustomerMessageAt?.getTime()).toBe(slackTsToDate(missed.ts)!.getTime());
    // Threads known from storage whose root predates the window were checked with one history read from the
    // oldest of them (its parents' latest_reply), and replies were asked only where there are new ones, from the
    // window's start, after a 429 was waited out; the thread past the activity horizon was not looked at.
    const calls = h.fake.calls.slice(callsBefore);
    const discovery = calls.filter((c) => c.method === 'conversations.history' && c.params.oldest === quietRoot.ts);
    expect(discovery.length).toBeGreaterThan(0);
    expect(discovery.every((c) => c.params.latest === support.oldest)).toBe(true);
    const replies = calls.filter((c) => c.method === 'conversations.replies');
    expect(replies.some((c) => c.status === 429)).toBe(true);
    expect(new Set(replies.map((c) => c.params.ts))).toEqual(new Set([oldRoot.ts]));
    expect(replies.every((c) => c.params.oldest === support.oldest)).toBe(true);
    expect(support.knownThreads).toBe(1);
    expect(await Message.findOne({ text: 'late reply to the ancient thread' }).lean()).toBeNull();

    // Again: nothing new, no duplicate.
    const count = await Message.countDocuments({ workspaceId: TEAM });
    const again = await second.backfill();
    expect(again.stored).toBe(0);
    expect(await Message.countDocuments({ workspaceId: TEAM })).toBe(count);
    expect(await Message.countDocuments({ conversationId: doc!.conversationId })).toBe(3);
  }, 180_000);
});
