// Hostile text: stored faithfully, rendered harmless (no pings, no markdown links, within Discord's limits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wellFormed } from '../../adapters/discord/mapper.js';
import { renderDigest, renderSummary } from '../../adapters/discord/render.js';
import { safeText, truncate } from '../../adapters/discord/text.js';
import { messageKey } from '../../src/domain/keys.js';
import { Message } from '../../src/db/models.js';
import type { Digest } from '../../src/digest/types.js';
import type { ConversationBrief, CustomerSummary } from '../../src/history/types.js';
import { checkMessageLimits } from '../fakes/discord-rest.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';

const ZALGO = 'Z\u0337\u0322\u031b\u031b\u0316\u0317\u0318\u0319\u031c\u031d\u031e\u031f\u0320a\u0338\u0321\u0322lgo';
const HOSTILE =
  `@everyone @here <@&${IDS.agentRole}> <@${USERS.ada.id}> [click](https://evil.example) **bold** ${ZALGO} broken \uD800 pair \uDC00 ` + 'A'.repeat(4000);
const PINGS = /@(everyone|here)|<@[!&]?\d+>/;

let f: DiscordFixture;

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename);
});
afterAll(async () => {
  await f?.close();
});

describe('hostile text', () => {
  it('is stored as written (unpaired surrogates become U+FFFD, which BSON requires) and rendered harmless in /history', async () => {
    const m = f.fake.post(IDS.support, USERS.hostile, HOSTILE);
    const out = await f.capturedOf(m.id);
    expect(out.status).toBe('stored');
    const stored = await Message.findById(messageKey('discord', IDS.guild, IDS.support, m.id)).lean();
    expect(stored?.text).toBe(wellFormed(HOSTILE));
    expect(stored?.text).toHaveLength(HOSTILE.length);
    expect(stored?.text?.startsWith(`@everyone @here <@&${IDS.agentRole}> <@${USERS.ada.id}> [click]`)).toBe(true);
    expect(stored?.text).toContain(ZALGO);
    expect(stored?.author?.name).toBe(`@here <@&${IDS.agentRole}>`);

    const rec = f.fake.interact({
      type: 2,
      guildId: IDS.guild,
      channelId: IDS.support,
      user: USERS.al,
      name: 'history',
      options: [{ name: 'user', type: 6, value: USERS.hostile.id }],
      resolved: { users: { [USERS.hostile.id]: f.fake.world.userPayload(USERS.hostile) } },
    });
    const answer = await f.fake.waitForAnswer(rec);
    expect(answer.allowed_mentions).toEqual({ parse: [] });
    expect(checkMessageLimits(answer)).toBeNull();
    const text = JSON.stringify(answer.embeds);
    expect(text).not.toMatch(PINGS);
    expect(text).not.toContain('](https://evil.example)');
    expect(text).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i); // no unpaired surrogate escapes sent
    expect(answer.embeds[0].title).toContain('here'); // the name is shown, defused
  });

  it('keeps every rendering within embed limits however long the input', () => {
    const long = 'x'.repeat(5000);
    const brief = (i: number): ConversationBrief => ({
      id: `c${i}`,
      platform: 'discord',
      channelId: IDS.support,
      channelName: `${long}`,
      startedAt: new Date('2026-11-20T10:00:00Z'),
      lastMessageAt: new Date('2026-11-20T11:00:00Z'),
      firstLine: `${HOSTILE}${i}`,
      needs: ['billing', long],
      sentiment: { score: -0.5, label: 'negative' },
      status: 'open',
      permalink: `https://discord.com/channels/${IDS.guild}/${IDS.support}/${i}`,
      waitingMs: 3 * 86_400_000,
    });
    const ref = { id: 'discord:g:u', name: `@everyone ${long}`, email: `${'e'.repeat(300)}@x.example`, company: long, lastContactAt: new Date() };
    const summary: CustomerSummary = {
      customer: { ...ref, external: true, customerSince: new Date('2025-01-01T00:00:00Z'), linkedAccounts: Array.from({ length: 20 }, (_, i) => ({ platform: 'slack' as const, workspaceId: 'T1', userId: `U${i}`, name: long })) },
      volume: {
        conversations: { allTime: 100, last30d: 10 },
        messages: { allTime: 1000, last30d: 100 },
        byPlatform: [{ platform: 'discord', conversations: 100, messages: 1000 }],
        byChannel: Array.from({ length: 60 }, (_, i) => ({ platform: 'discord' as const, channelId: `${i}`, channelName: long, conversations: i, messages: i })),
      },
      state: { open: Array.from({ length: 30 }, (_, i) => brief(i)), unanswered: Array.from({ length: 30 }, (_, i) => brief(i)) },
      needs: { allTime: Array.from({ length: 40 }, (_, i) => ({ need: `${long}${i}`, count: i })), last30d: [] },
      sentiment: { current: { score: -0.6, label: 'negative' }, last30d: { average: -0.6, count: 5 }, previous90d: { average: 0.2, count: 9 }, trend: 'worsening', turnedNegative: true },
      recent: { conversations: Array.from({ length: 50 }, (_, i) => brief(i)), page: 1, pageSize: 50, total: 500 },
    };
    const embeds = renderSummary(summary);
    expect(checkMessageLimits({ embeds })).toBeNull();
    expect(JSON.stringify(embeds)).not.toMatch(PINGS);
    const change = { current: 5, previous: 3 };
    const digest: Digest = {
      platform: 'discord', workspaceId: IDS.guild, week: '2026-W48', timeZone: 'UTC', start: new Date('2026-11-23T00:00:00Z'), end: new Date('2026-11-30T00:00:00Z'),
      conversations: change, messages: change, customers: { new: change, returning: change },
      needs: Array.from({ length: 30 }, (_, i) => ({ need: `${long}${i}`, ...change })),
      sentiment: { positive: change, neutral: change, negative: change },
      medianFirstReplyMs: { current: 3_600_000, previous: null },
      unanswered: Array.from({ length: 40 }, (_, i) => brief(i)),
      atRisk: Array.from({ length: 40 }, () => ({ customer: ref, reason: 'turned-negative' as const, negativeConversations: 3 })),
      busiestChannels: Array.from({ length: 40 }, (_, i) => ({ channelId: `${i}`, channelName: long, ...change })),
    };
    const d = renderDigest(digest);
    expect(checkMessageLimits({ embeds: d })).toBeNull();
    expect(JSON.stringify(d)).not.toMatch(PINGS);
  });

  it('defuses mentions and markdown, and cuts without splitting surrogate pairs', () => {
    expect(safeText('@everyone')).not.toMatch(PINGS);
    expect(safeText(`<@&${IDS.agentRole}> <@!1234567890123456> <#${IDS.support}>`)).not.toMatch(/<[@#]/);
    expect(safeText('[x](https://e.example) *b* `c` ||s||')).toBe('\\[x\\]\\(https://e.example\\) \\*b\\* \\`c\\` \\|\\|s\\|\\|');
    expect(safeText('# heading\n> quote')).toBe('\\# heading\n\\> quote');
    expect(safeText(ZALGO).length).toBeLessThan(ZALGO.length);
    const emoji = '😀'.repeat(10);
    const cut = truncate(emoji, 7);
    expect(cut.length).toBeLessThanOrEqual(7);
    expect(wellFormed(cut)).toBe(cut);
  });
});
