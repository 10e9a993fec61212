// Hostile customer text: stored as sent, shown back harmless (no @channel/@here/user pings, no disguised
// links) and cut inside Block Kit's limits so Slack never rejects the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Message } from '../../src/db/models.js';
import { LIMITS, mrkdwnText, wellFormed } from '../../adapters/slack/blockkit.js';
import { renderCustomerSummary } from '../../adapters/slack/render-history.js';
import type { CustomerSummary } from '../../src/history/types.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

const HOSTILE = '<!channel> <!here> <@U123> <http://evil.example|bank.com> @everyone ';
const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';
const LONG = `${HOSTILE}${'A'.repeat(40_000)} ${LONE_HIGH} tail ${LONE_LOW}`;

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  h.fake.users.set('UMAL', { id: 'UMAL', team_id: TEAM, name: 'mallory', real_name: `${HOSTILE}Mallory` });
  await h.startAdapter();
});
afterAll(async () => {
  await h?.close();
});

/** Every text a Block Kit payload carries, with where it sits. */
function texts(blocks: Array<Record<string, unknown>>): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  for (const b of blocks) {
    const t = b.text as { text?: string } | undefined;
    if (t?.text !== undefined) out.push({ where: `${b.type}.text`, text: t.text });
    for (const f of (b.fields as Array<{ text: string }> | undefined) ?? []) out.push({ where: 'field', text: f.text });
    for (const e of (b.elements as Array<{ text?: string | { text: string } }> | undefined) ?? []) {
      if (typeof e.text === 'string') out.push({ where: 'context', text: e.text });
      else if (e.text) out.push({ where: 'button', text: e.text.text });
    }
  }
  return out;
}

function expectHarmless(body: Record<string, unknown>): void {
  const blocks = body.blocks as Array<Record<string, unknown>>;
  for (const b of blocks) if (b.type === 'header') expect((b.text as { type: string }).type).toBe('plain_text');
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
  expect((body.text as string).length).toBeLessThanOrEqual(LIMITS.messageText);
  const all = [{ where: 'text', text: body.text as string }, ...texts(blocks)];
  for (const { where, text } of all) {
    expect(wellFormed(text) === text, where).toBe(true);
    if (where === 'header.text') {
      // plain_text: Slack never parses mentions or links in it, so it shows exactly what was typed.
      expect(text.length, where).toBeLessThanOrEqual(LIMITS.headerText);
      continue;
    }
    expect(text, where).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U123>|<http:\/\/evil/);
    expect(text, where).not.toMatch(/(^|[^\u2060@])@(everyone|here|channel)\b/);
    const max = where === 'header.text' ? LIMITS.headerText : where === 'field' ? LIMITS.fieldText : where === 'context' ? LIMITS.contextText : LIMITS.sectionText;
    expect(text.length, where).toBeLessThanOrEqual(max);
  }
}

describe('hostile text', () => {
  it('is stored faithfully', async () => {
    const ts = slackTs();
    const res = await h.sendEvent({ type: 'message', channel: SUPPORT, user: 'UMAL', ts, text: LONG });
    expect(res.status).toBe(200);
    const stored = await Message.findById(messageKey('slack', TEAM, SUPPORT, ts)).lean();
    // BSON strings are UTF-8: a lone surrogate cannot be encoded and comes back as U+FFFD; all else is as sent.
    expect(stored?.text).toBe(wellFormed(LONG));
    expect(stored?.text?.length).toBe(LONG.length);
    expect(stored?.text?.startsWith(HOSTILE)).toBe(true);
    expect(stored?.author?.name).toBe(`${HOSTILE}Mallory`);
    await h.p.waitForTag(stored!._id, 0);
  });

  it('is rendered harmless in /history, shown as typed', async () => {
    const res = await h.command('/history', 'mallory', 'UAGENT1');
    const post = await h.fake.waitForResponse(res.responseId);
    expectHarmless(post.body);
    const json = JSON.stringify(post.body);
    expect(json).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;http://evil.example|bank.com&gt;');
    expect((post.body.blocks as Array<{ text?: { text?: string } }>)[0]?.text?.text).toContain('<!channel>'); // plain_text header: never parsed
  });

  it('echoes a hostile query harmlessly', async () => {
    const res = await h.command('/history', '<!channel> <http://evil.example|bank.com>', 'UAGENT1');
    const post = await h.fake.waitForResponse(res.responseId);
    expectHarmless(post.body);
    expect(post.body.text).toContain('&lt;!channel&gt;');
  });

  it('cuts 40,000-character names and lines inside Block Kit limits without breaking an entity or a pair', () => {
    const cut = mrkdwnText(`${'&'.repeat(2999)}<>`, 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/^(&amp;)+…$/);
    const emoji = mrkdwnText('😀'.repeat(2000), 100);
    expect(wellFormed(emoji) === emoji).toBe(true);
    expect(emoji.length).toBeLessThanOrEqual(100);

    const now = new Date();
    const brief = (i: number) => ({
      id: `c${i}`,
      platform: 'slack' as const,
      channelId: SUPPORT,
      channelName: LONG,
      startedAt: now,
      lastMessageAt: now,
      firstLine: LONG,
      needs: [LONG, 'billing'],
      sentiment: { score: -0.5, label: 'negative' as const },
      status: 'open' as const,
      permalink: 'https://acme.slack.com/archives/C0SUPPORT/p1',
      waitingMs: 3_600_000,
    });
    const many = Array.from({ length: 120 }, (_, i) => brief(i));
    const summary: CustomerSummary = {
      customer: { id: 'x', name: LONG, email: LONG, company: LONG, lastContactAt: now, external: true, customerSince: now, linkedAccounts: Array.from({ length: 30 }, () => ({ platform: 'discord' as const, workspaceId: 'G', userId: LONG, name: LONG })) },
      volume: {
        conversations: { allTime: 120, last30d: 120 },
        messages: { allTime: 500, last30d: 500 },
        byPlatform: [],
        byChannel: Array.from({ length: 30 }, () => ({ platform: 'discord' as const, channelId: LONG, channelName: LONG, conversations: 1, messages: 1 })),
      },
      state: { open: many, unanswered: many },
      needs: { allTime: [{ need: LONG, count: 3 }], last30d: [{ need: LONG, count: 3 }] },
      sentiment: { current: { score: -0.5, label: 'negative' }, last30d: { average: -0.5, count: 3 }, previous90d: { average: 0.1, count: 2 }, trend: 'worsening', turnedNegative: true },
      recent: { conversations: many, page: 1, pageSize: 120, total: 240 },
    };
    const payload = renderCustomerSummary(summary, { nextPageValue: JSON.stringify({ c: LONG, p: 2 }) });
    expectHarmless(payload as unknown as Record<string, unknown>);
    expect(JSON.stringify(payload).length).toBeLessThan(200_000);
  });
});
