// The foundation path end to end against FerretDB (or MONGO_URL) and Redis: capture → BullMQ → tag → counters.
import { createLogger } from '../src/logger.js';
import { Placement } from '../src/capture/place.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey, rollupKey } from '../src/domain/keys.js';
import { Conversation, Customer, Message, WeeklyRollup } from '../src/db/models.js';
import { CaptureValidationError } from '../src/errors.js';
import { conversationOf, startPipeline, slackMessage, type Pipeline } from './helpers/pipeline.js';

const placement = new Placement({ log: createLogger('silent'), conversationWindowMinutes: 30 });

let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(import.meta.filename);
});
afterAll(async () => {
  await p?.close();
});

function keyOf(m: { platform: 'slack' | 'discord'; workspaceId: string; channelId: string; messageId: string }): string {
  return messageKey(m.platform, m.workspaceId, m.channelId, m.messageId);
}

describe('capture → queue → tag', () => {
  it('tags a captured message through the worker and updates conversation, customer and weekly rollup', async () => {
    const msg = slackMessage({ workspaceId: 'T0001', author: { userId: 'U0001', name: 'Zoë Müller', role: 'customer', email: 'Zoe@Example.com' } });
    const out = await p.capture.capture(msg);
    expect(out).toMatchObject({ status: 'stored', rev: 0, queued: true });
    await p.waitForTag(out.messageKey, 0);

    const expected = p.tagger.tag({ text: msg.text!, platform: 'slack', role: 'customer' });
    expect(expected.needs.map((n: { need: string; confidence: number }) => n.need)).toEqual(['billing']);
    expect(expected.sentiment.label).toBe('negative');

    const stored = await Message.findById(out.messageKey).lean();
    expect(stored?.tags?.needs?.map((n: { need?: string | null }) => n.need)).toEqual(['billing']);
    expect(stored?.tags?.sentiment).toEqual(expected.sentiment);
    expect(stored?.tags?.model).toBe(p.tagger.modelVersion);
    expect(stored?.needsTagging).toBe(false);
    expect(stored?.customerId).toBe('slack:T0001:U0001');

    const conv = await Conversation.findById(await conversationOf(out.messageKey)).lean();
    expect(conv).toMatchObject({
      status: 'open',
      customerId: 'slack:T0001:U0001',
      counts: { messages: 1, customerMessages: 1, agentMessages: 0 },
      needs: { billing: 1 },
      sentiment: { count: 1, negative: 1, positive: 0, neutral: 0 },
    });
    expect(conv?.sentiment.sum).toBeCloseTo(expected.sentiment.score, 6);
    const customer = await Customer.findById('slack:T0001:U0001').lean();
    expect(customer).toMatchObject({ name: 'Zoë Müller', nameKey: 'zoe muller', email: 'zoe@example.com', counts: { messages: 1, conversations: 1 }, needs: { billing: 1 } });
    const rollup = await WeeklyRollup.findById(rollupKey('slack', 'T0001', '2026-W48')).lean();
    expect(rollup).toMatchObject({
      week: '2026-W48',
      counts: { messages: 1, customerMessages: 1, conversations: 1, agentMessages: 0 },
      needs: { billing: 1 },
      sentiment: { count: 1, negative: 1 },
      channels: { c_C1234: 1 },
    });
  });

  it('stores an event delivered three times once, with one tag job, counted once', async () => {
    const msg = slackMessage({ workspaceId: 'T0002', author: { userId: 'U0002', name: 'Bo', role: 'customer' } });
    const outs: Array<{ messageKey: string; conversationId: string | null; status: string }> = [];
    for (let i = 0; i < 3; i++) outs.push(await p.capture.capture({ ...msg }));
    expect(outs.map((o) => o.status)).toEqual(['stored', 'duplicate', 'duplicate']);
    await p.waitForTag(outs[0]!.messageKey, 0);
    // Delivered again after tagging, and concurrently, too.
    const again = await Promise.all([p.capture.capture({ ...msg }), p.capture.capture({ ...msg })]);
    expect(again.map((o) => o.status)).toEqual(['duplicate', 'duplicate']);

    expect(await Message.countDocuments({ workspaceId: 'T0002' })).toBe(1);
    const jobs = await p.queues.tag.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.data.messageKey === outs[0]!.messageKey)).toHaveLength(1);
    const conv = await Conversation.findById(await conversationOf(outs[0]!.messageKey)).lean();
    expect(conv?.counts.messages).toBe(1);
    const customer = await Customer.findById('slack:T0002:U0002').lean();
    expect(customer?.counts).toEqual({ messages: 1, conversations: 1 });
    const rollup = await WeeklyRollup.findById(rollupKey('slack', 'T0002', '2026-W48')).lean();
    expect(rollup?.counts.messages).toBe(1);
  });

  it('re-tags an edit and replaces its contribution; a delete keeps the record and removes it', async () => {
    const msg = slackMessage({ workspaceId: 'T0003', author: { userId: 'U0003', name: 'Cy', role: 'customer' }, text: 'How do I reset my password?' });
    const created = await p.capture.capture(msg);
    await p.waitForTag(created.messageKey, 0);
    let conv = await Conversation.findById(await conversationOf(created.messageKey)).lean();
    expect(conv?.needs).toEqual({ account: 1 });

    const edit = { ...msg, kind: 'edit' as const, text: 'I was charged twice on my invoice this month', editedAt: new Date('2026-11-23T10:05:00Z') };
    const edited = await p.capture.capture(edit);
    expect(edited).toMatchObject({ status: 'edited', rev: 1 });
    // The same edit redelivered changes nothing.
    expect((await p.capture.capture(edit)).status).toBe('unchanged');
    await p.waitForTag(created.messageKey, 1);

    conv = await Conversation.findById(await conversationOf(created.messageKey)).lean();
    expect(conv?.needs).toEqual({ account: 0, billing: 1 });
    expect(conv?.counts.messages).toBe(1);
    expect(conv?.sentiment).toMatchObject({ count: 1, negative: 1, neutral: 0 });
    let stored = await Message.findById(created.messageKey).lean();
    expect(stored?.text).toBe(edit.text);
    expect(stored?.tags?.rev).toBe(1);

    const del = await p.capture.capture({ ...msg, kind: 'delete', text: null, deletedAt: new Date('2026-11-23T10:10:00Z') });
    expect(del).toMatchObject({ status: 'deleted', rev: 2 });
    await p.waitForTag(created.messageKey, 2);
    stored = await Message.findById(created.messageKey).lean();
    expect(stored?.deletedAt?.toISOString()).toBe('2026-11-23T10:10:00.000Z');
    expect(stored?.text).toBe(edit.text); // history kept
    // Its tags go with its contribution, as when the delete comes before the message was ever tagged.
    expect(stored?.tags ?? null).toBeNull();
    conv = await Conversation.findById(await conversationOf(created.messageKey)).lean();
    expect(conv?.counts).toEqual({ messages: 0, customerMessages: 0, agentMessages: 0 });
    expect(conv?.needs).toEqual({ account: 0, billing: 0 });
    expect(conv?.sentiment).toMatchObject({ count: 0, negative: 0 });
    expect(conv?.sentiment.sum).toBeCloseTo(0, 9);
    const customer = await Customer.findById('slack:T0003:U0003').lean();
    expect(customer?.counts).toEqual({ messages: 0, conversations: 0 });
    const rollup = await WeeklyRollup.findById(rollupKey('slack', 'T0003', '2026-W48')).lean();
    expect(rollup?.counts.messages).toBe(0);
  });

  it('groups a thread into one conversation and records the first agent reply', async () => {
    const root = slackMessage({ workspaceId: 'T0004', author: { userId: 'U0004', name: 'Di', role: 'customer' }, text: 'where is my package', ts: new Date('2026-11-23T09:00:00Z') });
    const reply = slackMessage({
      workspaceId: 'T0004',
      threadId: root.messageId,
      author: { userId: 'UAGENT', name: 'Agent Al', role: 'agent' },
      text: 'Let me check that for you',
      ts: new Date('2026-11-23T09:04:00Z'),
    });
    const r1 = await p.capture.capture(root);
    const r2 = await p.capture.capture(reply);
    await Promise.all([p.waitForTag(r1.messageKey, 0), p.waitForTag(r2.messageKey, 0)]);
    expect(await conversationOf(r2.messageKey)).toBe(await conversationOf(r1.messageKey));
    const conv = await Conversation.findById(await conversationOf(r1.messageKey)).lean();
    expect(conv).toMatchObject({ status: 'answered', customerId: 'slack:T0004:U0004', firstResponseMs: 4 * 60_000, counts: { messages: 2, customerMessages: 1, agentMessages: 1 } });
    const agentMsg = await Message.findById(r2.messageKey).lean();
    expect(agentMsg?.customerId).toBe('slack:T0004:U0004');
    expect(agentMsg?.tags?.needs).toEqual([]); // only customer messages carry needs
    expect(await Customer.countDocuments({ workspaceId: 'T0004' })).toBe(1); // the agent is no customer
  });

  it('rejects malformed messages with a clear error and loses nothing else', async () => {
    const good = slackMessage({ workspaceId: 'T0005', author: { userId: 'U0005', name: 'Ed', role: 'customer' } });
    const bad: unknown[] = [
      { ...slackMessage({ workspaceId: 'T0005' }), messageId: undefined },
      { ...slackMessage({ workspaceId: 'T0005' }), workspaceId: '' },
      { ...slackMessage({ workspaceId: 'T0005' }), text: 'x'.repeat(100_001) },
      { ...slackMessage({ workspaceId: 'T0005' }), ts: new Date('not a date') },
      { ...slackMessage({ workspaceId: 'T0005' }), ts: new Date('1970-01-01T00:00:00Z') },
      { ...slackMessage({ workspaceId: 'T0005' }), channelId: { $gt: '' } },
      { ...slackMessage({ workspaceId: 'T0005' }), author: { userId: 'U9', role: 'admin' } },
      { ...slackMessage({ workspaceId: 'T0005' }), kind: 'new', author: undefined },
      null,
      'a string',
    ];
    const results = await Promise.allSettled([...bad.map((b) => p.capture.capture(b)), p.capture.capture(good)]);
    const rejected = results.slice(0, bad.length);
    for (const r of rejected) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CaptureValidationError);
    }
    const reasons = rejected.map((r) => ((r as PromiseRejectedResult).reason as Error).message);
    expect(reasons[0]).toMatch(/messageId is required/);
    expect(reasons[2]).toMatch(/text is 100001 characters, over the limit of 100000/);
    expect(reasons[3]).toMatch(/ts must be a valid date/);
    expect(reasons[4]).toMatch(/ts 1970-01-01T00:00:00.000Z is out of range/);
    expect(reasons[5]).toMatch(/channelId must be/);
    expect(reasons[6]).toMatch(/author.role must be one of/);
    expect(reasons[7]).toMatch(/author is required/);
    const ok = results[bad.length];
    expect(ok?.status).toBe('fulfilled');
    const stored = (ok as PromiseFulfilledResult<{ messageKey: string }>).value;
    await p.waitForTag(stored.messageKey, 0);
    expect(await Message.countDocuments({ workspaceId: 'T0005' })).toBe(1);
    expect(await Message.findById(keyOf(good)).lean()).toMatchObject({ needsTagging: false });
  });

  it('counts each revision once when several workers tag the same message at the same time', async () => {
    const { MessageTagger } = await import('../src/counters/tag-message.js');
    const msg = slackMessage({ workspaceId: 'T0006', author: { userId: 'U0006', name: 'Flo', role: 'customer' } });
    // Capture without the worker seeing it: a second pipeline-less tagger races the real worker.
    const out = await p.capture.capture(msg);
    const racers = Array.from({ length: 4 }, () => new MessageTagger({ tagger: p.tagger, log: p.env.log, defaultTimeZone: 'UTC', place: (k) => placement.place(k) }));
    await Promise.all([...racers.map((r) => r.tagMessage(out.messageKey)), p.waitForTag(out.messageKey, 0)]);
    const conv = await Conversation.findById(await conversationOf(out.messageKey)).lean();
    expect(conv?.counts.messages).toBe(1);
    const customer = await Customer.findById('slack:T0006:U0006').lean();
    expect(customer?.counts.messages).toBe(1);
    const rollup = await WeeklyRollup.findById(rollupKey('slack', 'T0006', '2026-W48')).lean();
    expect(rollup?.counts.messages).toBe(1);
  });
});
