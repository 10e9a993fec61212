// Backfill with the real client: what was posted while the bot was down, and what a dropped gateway
// connection missed (RESUME with replay, or INVALID_SESSION → a new IDENTIFY), is captured exactly once.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillStats } from '../../adapters/discord/backfill.js';
import { messageKey, tagJobId } from '../../src/domain/keys.js';
import { Message } from '../../src/db/models.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';
import type { FakeMessage } from '../fakes/discord-world.js';

let f: DiscordFixture;
let firstBackfill: BackfillStats;
const down: { old: FakeMessage; anchor: FakeMessage; bulk: FakeMessage[]; root: FakeMessage; threadReplies: FakeMessage[]; forum: FakeMessage[] } = {} as never;

const HOUR = 3_600_000;
const key = (channelId: string, messageId: string) => messageKey('discord', IDS.guild, channelId, messageId);

function nextBackfill(reason: string): Promise<BackfillStats> {
  return new Promise((resolve) => {
    const on = (stats: BackfillStats) => {
      if (stats.reason !== reason) return;
      f.adapter.off('backfill', on);
      resolve(stats);
    };
    f.adapter.on('backfill', on);
  });
}

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename, {
    start: false,
    adapter: { backfill: { pageSize: 15 } },
    async beforeStart(fake, p) {
      const now = Date.now();
      // Captured before the bot went down: the anchor is the support channel's checkpoint.
      down.old = fake.post(IDS.support, USERS.ada, 'long ago, before the checkpoint', { at: new Date(now - 3 * HOUR) });
      down.anchor = fake.post(IDS.support, USERS.ada, 'last message seen before the outage', { at: new Date(now - 2 * HOUR) });
      await p.capture.capture({
        kind: 'new', platform: 'discord', workspaceId: IDS.guild, channelId: IDS.support, channelName: 'support', messageId: down.anchor.id,
        author: { userId: USERS.ada.id, name: 'Ada Lovelace', role: 'customer' }, text: down.anchor.content, ts: new Date(down.anchor.timestamp),
      });
      await p.drain(); // placed: the worker advances the checkpoint
      // Posted while the bot was down (no gateway session: nothing is dispatched).
      down.bulk = Array.from({ length: 40 }, (_, i) => fake.post(IDS.support, i % 2 ? USERS.al : USERS.bo, `outage message ${i}`, { at: new Date(now - HOUR + i * 1000) }));
      down.root = fake.post(IDS.support, USERS.ada, 'thread root while down');
      const t = fake.startThread(IDS.support, down.root.id, 'while down', USERS.ada);
      down.threadReplies = [fake.post(t.id, USERS.al, 'reply 1'), fake.post(t.id, USERS.ada, 'reply 2')];
      fake.archiveThread(t.id);
      const post = fake.forumPost(IDS.forum, USERS.bo, 'Login loop', 'I keep getting logged out');
      down.forum = [post.starter, fake.post(post.thread.id, USERS.al, 'Clear cookies please')];
      // Discord answers one message fetch with 429: the client waits and retries.
      fake.rateLimitOnce.push(/^GET \/channels\/\d+\/messages$/);
    },
  });
  const first = once(f.adapter, 'backfill');
  await f.adapter.start();
  [firstBackfill] = (await first) as [BackfillStats];
}, 300_000);
afterAll(async () => {
  await f?.close();
});

/** Each message stored once (one document, one 'stored' outcome, one tag job). */
async function storedOnce(channelId: string, ...ms: FakeMessage[]): Promise<void> {
  const ids = ms.map((m) => m.id);
  expect(await Message.countDocuments({ messageId: { $in: ids } })).toBe(ms.length);
  const stored = f.captured.filter((c) => ids.includes(c.msg.messageId) && c.status === 'stored').map((c) => c.msg.messageId);
  expect(stored.sort()).toEqual([...ids].sort());
  const jobs = await Promise.all(ids.flatMap((id) => [0, 1].map((rev) => f.p.queues.tag.getJob(tagJobId(key(channelId, id), rev)))));
  expect(jobs.map((j) => Boolean(j))).toEqual(ids.flatMap(() => [true, false]));
}

describe('discord backfill', () => {
  it('on start, captures everything posted after the checkpoint: paginated, through a 429, archived threads and forum posts', async () => {
    expect(firstBackfill.reason).toBe('ready');
    expect(firstBackfill.failed).toBe(0);
    // 40 channel messages + thread root + 2 replies + forum starter and reply; the anchor is seen again (margin).
    expect(firstBackfill.statuses).toEqual({ stored: 45, duplicate: 1 });
    expect(await Message.countDocuments({ messageId: down.old.id })).toBe(0);
    await storedOnce(IDS.support, ...down.bulk, down.root, ...down.threadReplies);
    await storedOnce(IDS.forum, ...down.forum);
    for (const m of down.threadReplies) expect(await Message.findById(key(IDS.support, m.id)).lean()).toMatchObject({ source: 'backfill', threadId: down.root.id });
    for (const m of down.forum) expect(await Message.findById(key(IDS.forum, m.id)).lean()).toMatchObject({ source: 'backfill' });
    expect((await Message.findById(key(IDS.support, down.bulk[1]!.id)).lean())?.author?.role).toBe('agent');
    // Paginated by `after` (pages of 15), and the one 429 was waited out and retried, not skipped.
    const fetches = f.fake.callsTo('GET', new RegExp(`^/channels/${IDS.support}/messages$`));
    expect(fetches.filter((c) => c.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(fetches.every((c) => c.query.after !== undefined && c.query.limit === '15')).toBe(true);
    const all = f.fake.callsTo('GET', /^\/channels\/\d+\/messages$/);
    const limited = all.filter((c) => c.status === 429);
    expect(limited).toHaveLength(1);
    const retried = all.slice(all.indexOf(limited[0]!) + 1).find((c) => c.path === limited[0]!.path && c.query.after === limited[0]!.query.after);
    expect(retried?.status).toBe(200);
    expect(f.fake.callsTo('GET', new RegExp(`^/channels/${IDS.support}/threads/archived/public$`))).not.toHaveLength(0);
  }, 90_000);

  it('after a dropped connection and a RESUME (events replayed), captures the missed messages once', async () => {
    const live = f.fake.post(IDS.support, USERS.bo, 'before the drop');
    await f.capturedOf(live.id);
    const resumed = nextBackfill('resume');
    f.fake.gateway.drop();
    const missed = [f.fake.post(IDS.support, USERS.bo, 'sent while disconnected'), f.fake.post(IDS.help, USERS.ada, 'also while disconnected')];
    const stats = await resumed;
    await Promise.all(missed.map((m) => f.capturedOf(m.id)));
    expect(f.fake.gateway.resumes).toBe(1);
    expect(f.fake.gateway.identifies).toBe(1);
    await storedOnce(IDS.support, missed[0]!);
    await storedOnce(IDS.help, missed[1]!);
    expect(stats.failed).toBe(0);
    // Whatever the replay had not stored yet, backfill stored; nothing twice.
    expect(f.captured.filter((c) => missed.some((m) => m.id === c.msg.messageId) && c.status === 'stored')).toHaveLength(2);
  });

  it('after a dropped connection the gateway will not resume (INVALID_SESSION), re-identifies and backfills exactly what was missed', async () => {
    f.fake.gateway.resumeMode = 'invalid';
    const again = nextBackfill('ready');
    f.fake.gateway.drop();
    const missed = [f.fake.post(IDS.support, USERS.ada, 'lost event 1'), f.fake.post(IDS.support, USERS.al, 'lost event 2')];
    const { thread, starter } = f.fake.forumPost(IDS.forum, USERS.bo, 'Lost post', 'posted during the outage');
    const stats = await again;
    expect(f.fake.gateway.identifies).toBe(2);
    expect(stats.statuses.stored).toBe(3);
    await storedOnce(IDS.support, ...missed);
    for (const m of missed) expect((await Message.findById(key(IDS.support, m.id)).lean())?.source).toBe('backfill');
    await storedOnce(IDS.forum, starter);
    expect((await Message.findById(key(IDS.forum, starter.id)).lean())?.threadId).toBe(thread.id);
    // Live capture works on the new session.
    const after = f.fake.post(IDS.support, USERS.bo, 'after the re-identify');
    expect((await f.capturedOf(after.id)).msg.source).toBe('live');
  });
});
