// Retention: the maintenance job deletes messages older than RETENTION_DAYS and subtracts what they added,
// so every counter still equals the sum of the messages kept, also when a run dies half-way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Customer, Message, WeeklyRollup } from '../src/db/models.js';
import { loadConfig } from '../src/config.js';
import { applyRetention, retireMessage } from '../src/retention/retention.js';
import { applyOnce, operationId } from '../src/counters/tag-message.js';
import { contributionDelta } from '../src/counters/contribution.js';
import { createMaintenanceProcessor } from '../jobs/maintenance.js';
import { startPipeline, type Pipeline } from './helpers/pipeline.js';
import { ledger, streamEvent } from './faults/harness.js';

let p: Pipeline;
const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  p = await startPipeline(import.meta.filename);
}, 180_000);
afterAll(async () => {
  await p?.close();
});

/** Captures event i of a run at the given age and waits until it is tagged and counted. */
async function captureAged(run: string, i: number, daysAgo: number, opts: { customers?: number } = {}): Promise<string> {
  const e = streamEvent(run, i, { customers: opts.customers ?? 2, channels: 1, agentsEvery: 4 });
  e.ts = new Date(NOW.getTime() - daysAgo * DAY + i * 1000);
  const out = await p.capture.capture(e);
  await p.waitForTag(out.messageKey, 0);
  return out.messageKey;
}

describe('retention', () => {
  it('is off unless RETENTION_DAYS is set', async () => {
    expect(loadConfig({}).retentionDays).toBe(0);
    expect(loadConfig({ RETENTION_DAYS: '90' }).retentionDays).toBe(90);
    expect(() => loadConfig({ RETENTION_DAYS: '-1' })).toThrow(/RETENTION_DAYS must be a whole number/);
    const off = createMaintenanceProcessor(p.queues, p.env.log, { retentionDays: 0 });
    expect(await off({ name: 'retention' })).toBeNull();
  });

  it('deletes old messages and empty conversations and keeps counters equal to what remains', async () => {
    const run = 'RET1';
    // Old conversation (100 days ago), and a recent one of the same customers (2 days ago).
    for (let i = 0; i < 6; i++) await captureAged(run, i, 100);
    for (let i = 6; i < 10; i++) await captureAged(run, i, 2);
    const before = await ledger(`T${run}`);
    expect(before).toMatchObject({ messages: 10, mismatches: [] });
    const customersBefore = await Customer.find({ workspaceId: `T${run}` }, { counts: 1 }).lean();
    expect(customersBefore.reduce((s, c) => s + c.counts.messages, 0)).toBeGreaterThan(0);

    const oldConversations = await Conversation.countDocuments({ workspaceId: `T${run}`, lastMessageAt: { $lt: new Date(NOW.getTime() - 30 * DAY) } });
    expect(oldConversations).toBeGreaterThan(0);
    const res = await applyRetention({ days: 30, log: p.env.log, now: NOW });
    expect(res).toMatchObject({ messagesDeleted: 6, conversationsDeleted: oldConversations });
    expect(await Conversation.countDocuments({ workspaceId: `T${run}`, lastMessageAt: { $lt: new Date(NOW.getTime() - 30 * DAY) } })).toBe(0);
    const after = await ledger(`T${run}`);
    expect(after).toEqual({ messages: 4, distinctMessageIds: 4, untagged: 0, pending: 0, mismatches: [] });
    expect(await Message.countDocuments({ workspaceId: `T${run}`, ts: { $lt: new Date(NOW.getTime() - 30 * DAY) } })).toBe(0);
    // The old week's rollup is emptied, not left counting deleted messages.
    const rollups = await WeeklyRollup.find({ workspaceId: `T${run}` }, { week: 1, counts: 1 }).lean();
    expect(rollups.reduce((s, r) => s + r.counts.messages, 0)).toBe(4);
    const customers = await Customer.find({ workspaceId: `T${run}` }, { counts: 1 }).lean();
    const customerMessages = await Message.countDocuments({ workspaceId: `T${run}`, 'author.role': 'customer' });
    expect(customers.reduce((s, c) => s + c.counts.messages, 0)).toBe(customerMessages);

    // Running again deletes nothing more and changes no counter.
    expect(await applyRetention({ days: 30, log: p.env.log, now: NOW })).toMatchObject({ messagesDeleted: 0, conversationsDeleted: 0 });
    expect(await ledger(`T${run}`)).toEqual(after);
  }, 240_000);

  it('finishes a retraction that died half-way without subtracting twice', async () => {
    const run = 'RET2';
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) keys.push(await captureAged(run, i, 200, { customers: 1 }));
    await captureAged(run, 4, 1, { customers: 1 });
    // Simulate a crash: the retraction of keys[1] was written and applied to its conversation only.
    const m = (await Message.collection.findOne({ _id: keys[1] as never })) as unknown as { rev: number; counted: { contribution: Parameters<typeof contributionDelta>[1] } };
    const c = m.counted.contribution;
    const empty = { ...c, conversation: [], customer: [], rollup: [] };
    const pending = { opId: `ret-${operationId(keys[1]!, m.rev)}`, rev: m.rev, delta: contributionDelta(c, empty), contribution: empty };
    await Message.collection.updateOne({ _id: keys[1] as never }, { $set: { pending } });
    await applyOnce(Conversation.collection, c.conversationId!, pending.opId, pending.delta.conversation);
    // The next run (and a repeated single retirement) finish it exactly once.
    expect(await retireMessage(keys[1]!)).toBe(true);
    expect(await retireMessage(keys[1]!)).toBe(false);
    await applyRetention({ days: 30, log: p.env.log, now: NOW });
    expect(await ledger(`T${run}`)).toEqual({ messages: 1, distinctMessageIds: 1, untagged: 0, pending: 0, mismatches: [] });
  }, 240_000);
});
