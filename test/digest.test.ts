// The weekly digest on a hand-built fixture in a non-UTC zone, over the week daylight saving time ends
// (America/New_York, 2026-11-01), through the real pipeline on FerretDB; and the digest job posting exactly
// once per workspace and week with several workers and a failing first attempt.
import { QueueEvents } from 'bullmq';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../src/digest/index.js';
import { naiveDigest } from '../src/digest/naive.js';
import { weekBounds, weekOf } from '../src/time/week.js';
import { resolveConversation } from '../src/history/index.js';
import { Workspace } from '../src/db/models.js';
import type { Digest } from '../src/digest/types.js';
import { workerConnection } from '../src/queue.js';
import { DIGEST_QUEUE, scheduleDigests, startDigestWorker, type DigestWorkerHandle } from '../jobs/digest.js';
import { keyOf, msg, startHistoryPipeline, type HistoryPipeline } from './helpers/history-pipeline.js';

let p: HistoryPipeline;
beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
});
afterAll(async () => {
  await p?.close();
});

const NY = 'America/New_York';
const S = { platform: 'slack' as const, workspaceId: 'TNY' };

describe('week bounds', () => {
  it('are local midnights, 169 hours long when DST ends and 167 when it starts', () => {
    const fall = weekBounds('2026-W44', NY);
    expect(fall.start.toISOString()).toBe('2026-10-26T04:00:00.000Z'); // Monday 00:00 EDT
    expect(fall.end.toISOString()).toBe('2026-11-02T05:00:00.000Z'); // Monday 00:00 EST
    expect((fall.end.getTime() - fall.start.getTime()) / 3600_000).toBe(169);
    const spring = weekBounds('2026-W10', NY);
    expect((spring.end.getTime() - spring.start.getTime()) / 3600_000).toBe(167);
    expect(weekOf(new Date('2026-11-02T04:30:00Z'), NY)).toBe('2026-W44'); // Sunday 23:30 EST (Monday in UTC)
    expect(weekOf(new Date('2026-10-26T03:30:00Z'), NY)).toBe('2026-W43'); // Sunday 23:30 EDT
    expect(weekBounds('2027-W01', 'UTC').start.toISOString()).toBe('2027-01-04T00:00:00.000Z');
    expect(() => weekBounds('2026-W54', 'UTC')).toThrow(/has no week 54/);
  });
});

describe('digest', () => {
  const m = (user: string, name: string, text: string, at: string, extra: { channel?: string; channelName?: string; thread?: string; role?: 'agent' } = {}) =>
    msg({ ws: 'TNY', user, name, text, at, channel: extra.channel ?? 'C1', channelName: extra.channelName ?? 'support', ...(extra.thread ? { thread: extra.thread } : {}), ...(extra.role ? { role: extra.role } : {}) });
  const a1 = m('U1', 'Ann', 'need:billing sent:-0.5', '2026-10-26T04:30:00Z');
  const a2 = m('U1', 'Ann', 'need:billing sent:-0.3', '2026-10-28T15:00:00Z', { channel: 'C2', channelName: 'billing' });
  const b1 = m('U2', 'Bob', 'need:account sent:0.2', '2026-10-26T03:30:00Z');
  const b2 = m('U2', 'Bob', 'need:bugs sent:0.4', '2026-11-02T04:30:00Z');
  const c1 = m('U3', 'Cy', 'need:account sent:0', '2026-10-20T14:00:00Z');
  const d1 = m('U4', 'Dee', 'need:bugs', '2026-11-02T05:30:00Z');
  const e0 = m('U5', 'Eve', 'all good sent:0.6', '2026-09-10T12:00:00Z');
  const e1 = m('U5', 'Eve', 'terrible sent:-0.6', '2026-10-29T12:00:00Z');
  const reply = (root: typeof a1, at: string) => m('UA', 'Agent', 'on it', at, { thread: root.messageId, role: 'agent', channel: root.channelId, channelName: root.channelName! });
  const NOW = new Date('2026-11-02T14:00:00Z'); // Monday 09:00 EST

  beforeAll(async () => {
    await Workspace.collection.updateOne({ _id: 'slack:TNY' as never }, { $set: { platform: 'slack', externalId: 'TNY', timeZone: NY } }, { upsert: true });
    await p.send(e0, c1, b1, a1, reply(a1, '2026-10-26T04:40:00Z'), a2, reply(a2, '2026-10-28T15:30:00Z'), e1, b2, reply(b2, '2026-11-02T04:50:00Z'), d1);
    await resolveConversation(S, keyOf(e0), { now: new Date('2026-09-11T00:00:00Z') });
  });

  it('counts the week in the workspace zone, beside the week before, exactly', async () => {
    const d = await buildDigest(S, { week: '2026-W44', now: NOW });
    expect(d).toMatchObject({ platform: 'slack', workspaceId: 'TNY', week: '2026-W44', timeZone: NY });
    expect([d.start.toISOString(), d.end.toISOString()]).toEqual(['2026-10-26T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    // W44: a1, a1's reply, a2, a2's reply, b2 (Sunday 23:30 EST), b2's reply, e1. W43: c1 and b1 (Sunday 23:30 EDT).
    expect(d.messages).toEqual({ current: 7, previous: 2 });
    expect(d.conversations).toEqual({ current: 4, previous: 2 });
    // Ann is new in W44; Bob (first seen W43) and Eve (September) return. Bob and Cy were new in W43.
    expect(d.customers).toEqual({ new: { current: 1, previous: 2 }, returning: { current: 2, previous: 0 } });
    expect(d.needs).toEqual([
      { need: 'billing', current: 2, previous: 0 },
      { need: 'bugs', current: 1, previous: 0 },
      { need: 'account', current: 0, previous: 2 },
    ]);
    expect(d.sentiment).toEqual({ positive: { current: 1, previous: 1 }, neutral: { current: 0, previous: 1 }, negative: { current: 3, previous: 0 } });
    // First replies in W44: 10, 30 and 20 minutes → median 20 minutes; none in W43.
    expect(d.medianFirstReplyMs).toEqual({ current: 20 * 60_000, previous: null });
    // Waiting over 24 hours at Monday 09:00 EST: c1 (13 days), b1 (7 d 10.5 h), e1 (4 d 2 h); d1 only 8.5 hours.
    expect(d.unanswered.map((c) => [c.id, c.waitingMs])).toEqual([
      [keyOf(c1), 13 * 86_400_000],
      [keyOf(b1), 7 * 86_400_000 + 10.5 * 3600_000],
      [keyOf(e1), 4 * 86_400_000 + 2 * 3600_000],
    ]);
    expect(d.unansweredTotal).toBe(3);
    // Ann: two negative conversations; Eve: +0.6 in the 90 days before, -0.6 in the last 30.
    expect(d.atRisk.map((r) => [r.customer.id, r.reason, r.negativeConversations])).toEqual([
      ['slack:TNY:U1', 'repeated-negative', 2],
      ['slack:TNY:U5', 'turned-negative', 1],
    ]);
    expect(d.busiestChannels).toEqual([
      { channelId: 'C1', channelName: 'support', current: 5, previous: 2 },
      { channelId: 'C2', channelName: 'billing', current: 2, previous: 0 },
    ]);
    expect(await naiveDigest(S, { week: '2026-W44', now: NOW })).toEqual(d);
  });

  it('defaults to the current week in the workspace zone, and an empty week is all zeros', async () => {
    expect((await buildDigest(S, { now: new Date('2026-11-02T04:30:00Z') })).week).toBe('2026-W44');
    const empty = await buildDigest({ platform: 'slack', workspaceId: 'TEMPTY' }, { now: NOW, timeZone: 'Europe/Berlin' });
    expect(empty).toMatchObject({ week: '2026-W45', timeZone: 'Europe/Berlin', messages: { current: 0, previous: 0 }, medianFirstReplyMs: { current: null, previous: null }, atRisk: [], unanswered: [], needs: [] });
    await expect(buildDigest(S, { week: '2026-48' })).rejects.toThrow(/week must look like/);
  });
});

describe('digest job', () => {
  const handles: DigestWorkerHandle[] = [];
  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  it('posts exactly one digest per workspace and week with three workers, six jobs and a failed first post', async () => {
    await Workspace.collection.updateOne({ _id: 'slack:TJOB' as never }, { $set: { platform: 'slack', externalId: 'TJOB', timeZone: NY, digestChannelId: 'CDIGEST' } }, { upsert: true });
    const posted: Array<{ workspaceId: string; channelId: string; digest: Digest }> = [];
    let calls = 0;
    const adapter = {
      platform: 'slack' as const,
      async postDigest(workspaceId: string, channelId: string, digest: Digest) {
        calls += 1;
        if (calls === 1) throw new Error('platform refused (first try)');
        posted.push({ workspaceId, channelId, digest });
      },
    };
    const deps = { adapters: [adapter], config: { timeZone: 'UTC', digestCron: '0 9 * * 1' }, log: p.env.log, redisUrl: p.env.redisUrl, prefix: p.env.prefix, schedule: false };
    for (let i = 0; i < 3; i++) handles.push(await startDigestWorker(deps));
    const events = new QueueEvents(DIGEST_QUEUE, { connection: workerConnection(p.env.redisUrl), prefix: p.env.prefix });
    await events.waitUntilReady();
    try {
      const jobs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          handles[i % 3]!.queue.add('digest', { platform: 'slack', workspaceId: 'TJOB' }, { jobId: `digest-test-${i}`, attempts: 3, backoff: { type: 'fixed', delay: 50 } }),
        ),
      );
      const outcomes = await Promise.all(jobs.map((j) => j.waitUntilFinished(events, 30_000)));
      expect(posted).toHaveLength(1);
      expect(calls).toBe(2);
      expect(outcomes.filter((o) => o.status === 'posted')).toHaveLength(1);
      const week = outcomes[0]!.week as string;
      expect(posted[0]).toMatchObject({ workspaceId: 'TJOB', channelId: 'CDIGEST', digest: { week, timeZone: NY } });
      const records = await mongoose.connection.db!.collection('digests').find({ workspaceId: 'TJOB' }).toArray();
      expect(records.map((r) => [r._id, r.state])).toEqual([[`slack:TJOB:${week}`, 'posted']]);
      // Run again later (a retry, another worker): nothing more is posted.
      const again = await handles[0]!.queue.add('digest', { platform: 'slack', workspaceId: 'TJOB' }, { jobId: 'digest-test-again' });
      expect(await again.waitUntilFinished(events, 30_000)).toEqual({ status: 'already-posted', week });
      expect(posted).toHaveLength(1);
    } finally {
      await events.close();
    }
  });

  it('schedules one repeatable job per workspace at Monday 09:00 in its zone', async () => {
    const h = handles[0]!;
    const n = await scheduleDigests(h.queue, { adapters: [{ platform: 'slack', postDigest: async () => undefined }], config: { timeZone: 'UTC', digestCron: '0 9 * * 1' }, log: p.env.log });
    expect(n).toBeGreaterThanOrEqual(2);
    const scheduler = await h.queue.getJobScheduler('digest-slack-TJOB');
    expect(scheduler).toMatchObject({ pattern: '0 9 * * 1', tz: NY });
    const next = new Date(Number(scheduler!.next));
    const local = new Intl.DateTimeFormat('en-US', { timeZone: NY, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).format(next);
    expect(local).toBe('Mon 09:00');
    await scheduleDigests(h.queue, { adapters: [{ platform: 'slack', postDigest: async () => undefined }], config: { timeZone: 'UTC', digestCron: '0 9 * * 1' }, log: p.env.log });
    expect((await h.queue.getJobSchedulers()).filter((s) => s.key === 'digest-slack-TJOB' || s.id === 'digest-slack-TJOB')).toHaveLength(1);
  });
});
