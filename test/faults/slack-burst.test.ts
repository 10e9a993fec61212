// Load through a platform: a burst of Slack events delivered over Socket Mode (one WebSocket, as Slack sends
// them) in well under a few seconds, into the real Bolt app and the Slack adapter, with the worker tagging at
// the same time. Each envelope is acknowledged only once its message is stored; an envelope still not
// acknowledged a minute after it was sent is delivered again, and again after five minutes (Slack's retry
// policy), so redeliveries race with the first deliveries. All stored once, all tagged, counters exact, the
// queue drains, and the heap the run retains stays flat. SLACK_BURST_EVENTS sets the size (the issue's
// figure is 10,000; the suite runs 400).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Message } from '../../src/db/models.js';
import { createLogger } from '../../src/logger.js';
import { FakeSlackSocket } from '../fakes/slack-socket.js';
import { AGENT_GROUP, SUPPORT, TEAM, startSlackHarness, type SlackHarness } from '../slack/harness.js';
import { ledger, report, step, until } from './harness.js';

const TOTAL = Number(process.env.SLACK_BURST_EVENTS ?? 400);
const CUSTOMERS = 50;
/** Slack redelivers an unacknowledged event after about a minute, then after about five. */
const RETRY_AFTER_MS = [60_000, 300_000];

let h: SlackHarness;
let socket: FakeSlackSocket;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  for (let c = 0; c < CUSTOMERS; c++) {
    const id = `UBURST${String(c).padStart(3, '0')}`;
    h.fake.users.set(id, { id, team_id: TEAM, name: `burst${c}`, real_name: `Burst Customer ${c}`, email: `burst${c}@customer.test` });
  }
  h.fake.usergroups.set(AGENT_GROUP, ['UAGENT1']);
  socket = new FakeSlackSocket();
  await socket.start();
  h.fake.socketUrl = socket.url;
  await h.startAdapter({}, { appToken: 'xapp-1-A0APP-test', signingSecret: undefined }, createLogger('warn'));
}, 180_000);
afterAll(async () => {
  await h?.close();
  await socket?.close();
});

/**
 * Event i: customers take turns writing top-level messages; every fifth is an agent's reply in a thread. The
 * messages were written a second apart (a backlog Slack delivers at once, after an outage, say); they arrive
 * together all the same.
 */
const tsOf = (i: number): string => `${1764000000 + i}.000100`;
function event(i: number): Record<string, unknown> {
  const ts = tsOf(i);
  const agent = i % 5 === 4;
  const base = { type: 'message', channel: SUPPORT, channel_type: 'channel', ts, event_ts: ts };
  if (agent) {
    const root = tsOf(i - 4);
    return { ...base, user: 'UAGENT1', text: `On it, checking your account now (#${i})`, thread_ts: root };
  }
  const texts = ['I was charged twice this month', 'The export keeps failing', 'How do I add a teammate?', 'Still waiting on my refund'];
  return { ...base, user: `UBURST${String(i % CUSTOMERS).padStart(3, '0')}`, text: `${texts[i % texts.length]} (#${i})` };
}

function envelope(i: number): Record<string, unknown> {
  return { token: 't', team_id: TEAM, api_app_id: 'A0APP', type: 'event_callback', event_id: `EvBURST${i}`, event_time: 1764000000 + i, event: event(i) };
}

describe('a burst of Slack events over Socket Mode', () => {
  it(`stores each of ${TOTAL} events once, acknowledges them, tags them all, drains the queue, heap flat`, async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const retained = (): number | null => {
      if (!gc) return null;
      gc();
      gc();
      return process.memoryUsage().heapUsed / 2 ** 20;
    };
    const retainedBefore = retained();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

    // Which event each envelope carried; an event counts as acknowledged when any of its deliveries is.
    const eventOf = new Map<string, number>();
    const acked = new Set<number>();
    let lastAckAt = 0;
    socket.on('ack', (a: { envelope_id: string }) => {
      const i = eventOf.get(a.envelope_id);
      if (i !== undefined && !acked.has(i)) {
        acked.add(i);
        lastAckAt = Date.now();
      }
    });
    const deliver = (i: number, attempt: number): void => {
      eventOf.set(socket.send('events_api', envelope(i), attempt), i);
    };

    const t0 = Date.now();
    for (let i = 0; i < TOTAL; i++) deliver(i, 0);
    const sentMs = Date.now() - t0;
    step(`sent ${TOTAL} envelopes in ${sentMs} ms`);
    let redeliveries = 0;
    const timers = RETRY_AFTER_MS.map((ms, k) =>
      setTimeout(() => {
        const missing = [...Array(TOTAL).keys()].filter((i) => !acked.has(i));
        redeliveries += missing.length;
        step(`retry ${k + 1}: ${missing.length} events not yet acknowledged, delivered again`);
        for (const i of missing) deliver(i, k + 1);
      }, ms),
    );
    try {
      await until('every event to be acknowledged', async () => acked.size === TOTAL, 60 * 60_000, 500);
      const ackedMs = lastAckAt - t0;
      step(`all ${TOTAL} acknowledged after ${ackedMs} ms`);
      await until('every message to be tagged', async () => (await Message.countDocuments({ workspaceId: TEAM, needsTagging: true })) === 0, 60 * 60_000, 1000);
      const drained = await until('the queue to drain', async () => {
        const c = await h.p.queues.tag.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
        return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0 ? c : null;
      }, 120_000);
      const totalMs = Date.now() - t0;
      clearInterval(sampler);

      const l = await ledger(TEAM);
      expect(l).toEqual({ messages: TOTAL, distinctMessageIds: TOTAL, untagged: 0, pending: 0, mismatches: [] });
      // Every agent reply is in its root's conversation, and every conversation has its customer. In order, each
      // writing customer's messages (50 s apart) make one conversation; a reply that reaches capture before its
      // root makes the root's thread a conversation of its own, so a burst may have more.
      const writers = new Set(Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 5 !== 4).map((i) => i % CUSTOMERS)).size;
      const convOf = new Map((await Message.find({ workspaceId: TEAM }, { messageId: 1, conversationId: 1 }).lean()).map((m) => [m.messageId, m.conversationId]));
      const strays = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 5 === 4 && convOf.get(tsOf(i)) !== convOf.get(tsOf(i - 4)));
      expect(strays).toEqual([]);
      expect(await Conversation.countDocuments({ workspaceId: TEAM, customerId: null })).toBe(0);
      const conversations = await Conversation.countDocuments({ workspaceId: TEAM });
      expect(conversations).toBeGreaterThanOrEqual(writers);
      expect(drained.failed).toBe(0);
      expect(drained.completed).toBe(TOTAL);
      const retainedAfter = retained();
      const retainedGrowthMb = retainedBefore !== null && retainedAfter !== null ? retainedAfter - retainedBefore : null;
      if (retainedGrowthMb !== null) expect(retainedGrowthMb).toBeLessThan(32);
      report('slack-socket-burst', {
        events: TOTAL,
        sentMs,
        acknowledgedMs: ackedMs,
        storedPerSec: Math.round((TOTAL / ackedMs) * 1000 * 10) / 10,
        storedAndTaggedMs: totalMs,
        endToEndPerSec: Math.round((TOTAL / totalMs) * 1000 * 10) / 10,
        redeliveries,
        conversations,
        writers,
        peakRssMb: Math.round(peakRss / 2 ** 20),
        retainedHeapGrowthMb: retainedGrowthMb === null ? null : Math.round(retainedGrowthMb * 10) / 10,
        lost: TOTAL - l.distinctMessageIds,
        duplicates: l.messages - l.distinctMessageIds,
        counterMismatches: l.mismatches.length,
        failedJobs: drained.failed,
      });
    } finally {
      for (const t of timers) clearTimeout(t);
      clearInterval(sampler);
    }
  }, 90 * 60_000);
});
