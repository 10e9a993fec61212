// A tag job that dies after moving the counters but before the message records it is retried — here only
// after 100 other messages have moved the same weekly rollup (a burst, a stalled job waiting for recovery).
// The retry must still recognise its own change: every counter ends exactly at the number of messages.
// (Before the two-phase protocol the documents kept the last 64 operation ids: on MongoDB this retry was
// applied twice once 64 others had pushed it out, and FerretDB 1.24 ignores `$slice` in `$push`, so there
// every counter document kept every operation id ever applied and grew with each message.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CaptureService } from '../src/capture/capture.js';
import { Placement } from '../src/capture/place.js';
import { rollupKey } from '../src/domain/keys.js';
import { MessageTagger } from '../src/counters/tag-message.js';
import { Conversation, Customer, Message, WeeklyRollup } from '../src/db/models.js';
import { loadTagger } from '../src/nlp/tagger.js';
import { Queues } from '../src/queue.js';
import { cleanupTestEnv, connectTestDb, testEnv } from './helpers/env.js';

const env = testEnv(import.meta.filename);
let queues: Queues;

beforeAll(async () => {
  await connectTestDb(env);
  queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await queues?.close();
  await cleanupTestEnv(env);
});

describe('exactly-once counters', () => {
  it('a change retried after 100 others on the same rollup is applied once', async () => {
    const capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 40_000 });
    const placement = new Placement({ log: env.log, conversationWindowMinutes: 30 });
    const tagger = new MessageTagger({ tagger: loadTagger(), log: env.log, defaultTimeZone: 'UTC', place: (k) => placement.place(k) });
    const keys: string[] = [];
    const start = Date.UTC(2026, 10, 17, 9); // Tuesday of 2026-W47
    for (let i = 0; i <= 100; i++) {
      const out = await capture.capture({
        kind: 'new',
        platform: 'slack',
        workspaceId: 'TONCE',
        channelId: 'CSUP',
        messageId: `m${i}`,
        author: { userId: `U${i % 7}`, name: `Customer ${i % 7}`, role: 'customer' },
        text: i % 2 ? 'I was charged twice, please refund me' : 'the app crashes when I log in',
        ts: new Date(start + i * 60_000),
        source: 'live',
      });
      keys.push(out.messageKey);
    }

    // The first job dies right after the counter documents were moved, before the message says so.
    const real = Message.collection.updateOne.bind(Message.collection);
    const spy = vi.spyOn(Message.collection, 'updateOne').mockImplementation(((filter: Record<string, unknown>, ...rest: unknown[]) => {
      const set = (rest[0] as { $set?: Record<string, unknown> } | undefined)?.$set;
      if (filter._id === keys[0] && set && 'counted' in set) {
        spy.mockRestore();
        return Promise.reject(new Error('worker killed'));
      }
      return (real as (...a: unknown[]) => unknown)(filter, ...rest);
    }) as never);
    await expect(tagger.tagMessage(keys[0]!)).rejects.toThrow('worker killed');
    expect((await Message.findById(keys[0]).lean())?.pending).toBeTruthy();

    for (const k of keys.slice(1)) expect(await tagger.tagMessage(k)).toBe('tagged');
    // The retry finishes the pending change (and then finds the revision counted).
    expect(await tagger.tagMessage(keys[0]!)).toBe('already-counted');
    expect((await Message.findById(keys[0]).lean())?.pending ?? null).toBeNull();

    const rollup = await WeeklyRollup.findById(rollupKey('slack', 'TONCE', '2026-W47')).lean();
    expect(rollup?.counts).toMatchObject({ messages: 101, customerMessages: 101 });
    expect(rollup?.ops ?? []).toEqual([]); // only changes in flight are remembered
    const customers = await Customer.find({ workspaceId: 'TONCE' }, { counts: 1, ops: 1 }).lean();
    expect(customers.reduce((n, c) => n + (c.counts?.messages ?? 0), 0)).toBe(101);
    expect(customers.flatMap((c) => c.ops ?? [])).toEqual([]);
    const conversations = await Conversation.find({ workspaceId: 'TONCE' }, { counts: 1 }).lean();
    expect(conversations.reduce((n, c) => n + (c.counts?.messages ?? 0), 0)).toBe(101);
    expect(await Message.countDocuments({ workspaceId: 'TONCE', pending: { $ne: null } })).toBe(0);
  }, 300_000);
});
