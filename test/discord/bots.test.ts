// Issue 18 item 8 on Discord, through the real discord.js client against the loopback fake: a bot's message is
// stored as the bot's and never forms a conversation (a reminder alone became one, counted in the digest) nor
// joins a customer's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Message, WeeklyRollup } from '../../src/db/models.js';
import { messageKey } from '../../src/domain/keys.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';

let f: DiscordFixture;

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename);
});
afterAll(async () => {
  await f?.close();
});

const key = (channelId: string, id: string) => messageKey('discord', IDS.guild, channelId, id);

describe('discord bot messages', () => {
  it('a bot reminder alone forms no conversation; among a customer\'s messages it joins none; neither counts', async () => {
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 18, 10, minutes));
    const reminder = f.fake.post(IDS.help, USERS.helper, 'Reminder: firmware 2.4 is rolling out this week.', { at: at(0) });
    const q1 = f.fake.post(IDS.support, USERS.ada, 'I was charged twice on my invoice this month', { at: at(1) });
    const notice = f.fake.post(IDS.support, USERS.helper, 'Automated: ticket #12 opened', { at: at(2) });
    const q2 = f.fake.post(IDS.support, USERS.ada, 'Can you refund one of them?', { at: at(3) });
    for (const m of [reminder, q1, notice, q2]) {
      const c = await f.capturedOf(m.id);
      expect(c.status).toBe('stored');
      await f.p.waitForTag(key(c.msg.channelId, m.id), 0);
    }
    const [r, a, n, b] = await Promise.all([[IDS.help, reminder], [IDS.support, q1], [IDS.support, notice], [IDS.support, q2]].map(([ch, m]) => Message.findById(key(ch as string, (m as { id: string }).id)).lean()));
    for (const bot of [r, n]) {
      expect(bot?.author).toMatchObject({ userId: USERS.helper.id, role: 'bot' });
      expect([bot?.conversationId ?? null, bot?.customerId ?? null]).toEqual([null, null]);
    }
    expect(a?.conversationId).toBe(key(IDS.support, q1.id));
    expect(b?.conversationId).toBe(a?.conversationId);
    expect(await Conversation.countDocuments({ workspaceId: IDS.guild })).toBe(1);
    const conv = await Conversation.findById(a!.conversationId).lean();
    expect(conv).toMatchObject({ customerId: `discord:${IDS.guild}:${USERS.ada.id}`, counts: { messages: 2, customerMessages: 2, agentMessages: 0 } });
    expect(conv?.lastMessageAt?.toISOString()).toBe(at(3).toISOString());
    const rollup = await WeeklyRollup.findById(`discord:${IDS.guild}:2026-W47`).lean();
    expect(rollup?.counts).toMatchObject({ conversations: 1, customerMessages: 2, agentMessages: 0 });
  }, 120_000);
});
