// Issue 18 item 8 on Slack, through the real Bolt app against the loopback fake Web API: a bot's message is
// stored as the bot's and never joins a customer's conversation (the sample's status bot notice was filed into
// one), nor forms one of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Customer, Message, WeeklyRollup } from '../../src/db/models.js';
import { messageKey } from '../../src/domain/keys.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  await h.startAdapter();
});
afterAll(async () => {
  await h?.close();
});

const key = (ts: string): string => messageKey('slack', TEAM, SUPPORT, ts);
const at = (minutes: number): Date => new Date(Date.UTC(2026, 10, 16, 9, minutes));

describe('slack bot messages', () => {
  it('are stored as the bot\'s, in no conversation: between a customer\'s messages, in their thread, or alone', async () => {
    const q1 = { type: 'message', channel: SUPPORT, user: 'UCUST1', text: 'The app crashes when I export a recipe.', ts: slackTs(at(0)) };
    const notice = { type: 'message', channel: SUPPORT, subtype: 'bot_message', bot_id: 'B0STATUS1', username: 'StatusBot', text: 'Scheduled maintenance tonight at 22:00 UTC.', ts: slackTs(at(2)) };
    const q2 = { type: 'message', channel: SUPPORT, user: 'UCUST1', text: 'It also happens on the web version.', ts: slackTs(at(4)) };
    const inThread = { type: 'message', channel: SUPPORT, subtype: 'bot_message', bot_id: 'B0TICKETS', username: 'Tickets', text: 'Ticket #12 opened', thread_ts: q1.ts, ts: slackTs(at(5)) };
    const alone = { type: 'message', channel: SUPPORT, subtype: 'bot_message', bot_id: 'B0STATUS1', username: 'StatusBot', text: 'Maintenance finished.', ts: slackTs(at(300)) };
    for (const ev of [q1, notice, q2, inThread, alone]) {
      expect((await h.sendEvent(ev)).status).toBe(200);
      await h.p.waitForTag(key(ev.ts), 0);
    }
    for (const ev of [notice, inThread, alone]) {
      const bot = await Message.findById(key(ev.ts)).lean();
      expect(bot?.author).toMatchObject({ userId: ev.bot_id, name: ev.username, role: 'bot' });
      expect(bot?.text).toBe(ev.text);
      expect([bot?.conversationId ?? null, bot?.customerId ?? null]).toEqual([null, null]);
      expect(await Customer.exists({ _id: `slack:${TEAM}:${ev.bot_id}` })).toBeNull();
    }
    const [a, b] = await Promise.all([q1, q2].map((ev) => Message.findById(key(ev.ts)).lean()));
    expect(a?.conversationId).toBe(key(q1.ts));
    expect(b?.conversationId).toBe(key(q1.ts));
    expect(await Conversation.countDocuments({ workspaceId: TEAM })).toBe(1);
    const conv = await Conversation.findById(key(q1.ts)).lean();
    expect(conv).toMatchObject({ customerId: `slack:${TEAM}:UCUST1`, status: 'open', counts: { messages: 2, customerMessages: 2, agentMessages: 0 } });
    expect(conv?.lastMessageAt?.toISOString()).toBe(at(4).toISOString());
    const rollup = await WeeklyRollup.findById(`slack:${TEAM}:2026-W47`).lean();
    expect(rollup?.counts).toMatchObject({ conversations: 1, customerMessages: 2, agentMessages: 0 });
  }, 120_000);
});
