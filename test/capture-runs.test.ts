// Placement finds the conversation a top-level message joins from per-channel run documents
// (src/capture/recent.ts) instead of querying every conversation. Checked against the query it replaces, on
// a seeded random stream with out-of-order (backfilled) messages, agents, deleted conversations and enough
// conversations per channel to prune the run documents.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureService, type CaptureOutcome } from '../src/capture/capture.js';
import { Placement } from '../src/capture/place.js';
import { identityKey, messageKey } from '../src/domain/keys.js';
import { RUN_MAX_ENTRIES } from '../src/capture/recent.js';
import type { CapturedMessage } from '../src/capture/types.js';
import { Conversation, Message } from '../src/db/models.js';
import { Queues } from '../src/queue.js';
import { rng } from '../src/random.js';
import { cleanupTestEnv, connectTestDb, testEnv } from './helpers/env.js';

const env = testEnv(import.meta.filename);
const WINDOW_MIN = 30;
let queues: Queues;
let capture: CaptureService;
let placement: Placement;

/** Captures a message and places it, as its tag job would. */
async function store(msg: CapturedMessage): Promise<CaptureOutcome> {
  const out = await capture.capture(msg);
  await placement.place(out.messageKey);
  return { ...out, conversationId: (await Message.findById(out.messageKey, { conversationId: 1 }).lean())?.conversationId ?? null };
}

beforeAll(async () => {
  await connectTestDb(env);
  queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 40_000 });
  placement = new Placement({ log: env.log, conversationWindowMinutes: WINDOW_MIN });
}, 60_000);
afterAll(async () => {
  await queues?.close();
  await cleanupTestEnv(env);
});

/** The query placement used to run for every top-level message (the reference). */
async function byQuery(m: CapturedMessage, owner: string | null): Promise<string | null> {
  const w = WINDOW_MIN * 60_000;
  const filter: Record<string, unknown> = {
    platform: m.platform,
    workspaceId: m.workspaceId,
    channelId: m.channelId,
    lastMessageAt: { $gte: new Date(m.ts.getTime() - w), $lte: new Date(m.ts.getTime() + w) },
  };
  if (owner !== null) filter.customerId = owner;
  const found = await Conversation.find(filter, { _id: 1, lastMessageAt: 1 }).lean();
  found.sort((a, b) => b.lastMessageAt.getTime() - a.lastMessageAt.getTime());
  return found[0]?._id ?? null;
}

describe('conversation runs', () => {
  it('put every top-level message in the conversation the query would choose', async () => {
    const r = rng(4242);
    const ws = 'TRUNS';
    let clock = Date.UTC(2026, 10, 2, 8);
    let outOfOrder = 0;
    let deleted = 0;
    let joined = 0;
    const N = 420;
    for (let i = 0; i < N; i++) {
      clock += Math.floor(r() * 25 * 60_000);
      let ts = clock;
      if (r() < 0.12) {
        ts = clock - Math.floor(r() * 6 * 3_600_000); // a message the bot missed, captured late by backfill
        outOfOrder++;
      }
      const agent = r() < 0.3;
      const user = agent ? `UA${Math.floor(r() * 2)}` : `UC${Math.floor(r() * 4)}`;
      const msg: CapturedMessage = {
        kind: 'new',
        platform: 'slack',
        workspaceId: ws,
        channelId: r() < 0.8 ? 'CBUSY' : 'CQUIET',
        messageId: `${Math.floor(ts / 1000)}.${String(i).padStart(6, '0')}`,
        author: { userId: user, name: user, role: agent ? 'agent' : 'customer' },
        text: `message ${i}`,
        ts: new Date(ts),
        source: 'live',
      };
      const owner = agent ? null : identityKey('slack', ws, user);
      const expected = (await byQuery(msg, owner)) ?? messageKey('slack', ws, msg.channelId, msg.messageId);
      const out = await store(msg);
      expect(out.status).toBe('stored');
      expect(out.conversationId, `message ${i} (${agent ? 'agent' : 'customer'}, ${msg.channelId})`).toBe(expected);
      if (out.conversationId !== out.messageKey) joined++;
      if (i % 97 === 50) {
        // Retention or forget removes a recent conversation: later messages must not join it.
        await Conversation.deleteOne({ _id: out.conversationId });
        deleted++;
      }
    }
    // The stream exercised every path: joins, late messages before a map's start, deletions, pruning.
    expect(joined).toBeGreaterThan(N / 4);
    expect(outOfOrder).toBeGreaterThan(30);
    expect(deleted).toBeGreaterThan(2);
    const busy = await mongoose.connection.db!.collection('conversation_runs').findOne({ _id: 'slack:TRUNS:CBUSY|*' as never });
    expect(busy?.from).toBeInstanceOf(Date);
    expect(await Conversation.countDocuments({ channelId: 'CBUSY' })).toBeGreaterThan(RUN_MAX_ENTRIES);
    expect(Object.keys(busy?.e ?? {}).length).toBeLessThanOrEqual(RUN_MAX_ENTRIES + 1);
  }, 600_000);

  it('answer an in-order live message without querying the conversations', async () => {
    const queries: string[] = [];
    mongoose.set('debug', (coll: string, method: string, query: unknown) => {
      const keys = Object.keys((query ?? {}) as object);
      if (coll === 'conversations' && !keys.includes('_id')) queries.push(`${method} ${JSON.stringify(query)}`);
    });
    try {
      const last = await Conversation.findOne({ channelId: 'CBUSY' }).sort({ lastMessageAt: -1 }).lean();
      queries.length = 0;
      for (const [i, user] of ['UC0', 'UA0', 'UC3'].entries()) {
        const out = await store({
          kind: 'new',
          platform: 'slack',
          workspaceId: 'TRUNS',
          channelId: 'CBUSY',
          messageId: `in-order-${i}`,
          author: { userId: user, name: user, role: user.startsWith('UA') ? 'agent' : 'customer' },
          text: 'hello again',
          ts: new Date(last!.lastMessageAt.getTime() + (i + 1) * 60_000),
          source: 'live',
        });
        expect(out.status).toBe('stored');
      }
    } finally {
      mongoose.set('debug', false);
    }
    expect(queries).toEqual([]);
  }, 120_000);

  it('are dropped for imported channels and seeded again from the conversations', async () => {
    const { forgetRuns } = await import('../src/capture/recent.js');
    const runs = mongoose.connection.db!.collection('conversation_runs');
    expect(await runs.countDocuments({ s: 'slack:TRUNS:CQUIET' })).toBeGreaterThan(0);
    await forgetRuns([{ platform: 'slack', workspaceId: 'TRUNS', channelId: 'CQUIET' }]);
    expect(await runs.countDocuments({ s: 'slack:TRUNS:CQUIET' })).toBe(0);
    expect(await runs.countDocuments({ s: 'slack:TRUNS:CBUSY' })).toBeGreaterThan(0);
    // An imported conversation the run documents never saw is joined by the next live message.
    const ts = new Date(Date.UTC(2026, 10, 20, 10));
    await Conversation.collection.insertOne({
      _id: 'slack:TRUNS:CQUIET:imported' as never,
      platform: 'slack',
      workspaceId: 'TRUNS',
      channelId: 'CQUIET',
      customerId: identityKey('slack', 'TRUNS', 'UC1'),
      status: 'open',
      startedAt: ts,
      lastMessageAt: ts,
      lastCustomerMessageAt: ts,
    });
    const out = await store({
      kind: 'new',
      platform: 'slack',
      workspaceId: 'TRUNS',
      channelId: 'CQUIET',
      messageId: 'after-import',
      author: { userId: 'UC1', name: 'UC1', role: 'customer' },
      text: 'still there?',
      ts: new Date(ts.getTime() + 5 * 60_000),
      source: 'live',
    });
    expect(out.conversationId).toBe('slack:TRUNS:CQUIET:imported');
  }, 120_000);
});
