// The digest's wording on all three surfaces (issue 18 item 9): a first week says so once and shows the figures
// alone (no "(new)" after each); later weeks show the change as `12 (+4)`; sentiment says it counts customer
// messages; a conversation whose first message has no text says what it is instead of "(no text)".
import { describe, expect, it } from 'vitest';
import { renderDigest as renderDiscord } from '../../adapters/discord/render.js';
import { renderDigest as renderSlack } from '../../adapters/slack/render-digest.js';
import { renderDigestText } from '../../bin/commands/render-text.js';
import type { Change, Digest } from '../../src/digest/types.js';

const c = (current: number, previous: number): Change => ({ current, previous });

function digest(previous: boolean): Digest {
  const p = (n: number) => (previous ? n : 0);
  return {
    platform: 'slack',
    workspaceId: 'T0LUMEN01',
    week: '2026-W47',
    timeZone: 'UTC',
    start: new Date('2026-11-16T00:00:00Z'),
    end: new Date('2026-11-23T00:00:00Z'),
    conversations: c(12, p(8)),
    messages: c(40, p(43)),
    customers: { new: c(3, p(3)), returning: c(2, p(0)) },
    needs: [{ need: 'billing', ...c(5, p(1)) }, { need: 'bug', ...c(2, p(4)) }],
    sentiment: { positive: c(6, p(2)), neutral: c(9, p(9)), negative: c(3, p(5)) },
    medianFirstReplyMs: { current: 5 * 60_000, previous: previous ? 7 * 60_000 : null },
    unanswered: [
      {
        id: 'slack:T0LUMEN01:C0SUPPORT1:1794837600.000100',
        platform: 'slack',
        channelId: 'C0SUPPORT1',
        channelName: 'support',
        startedAt: new Date('2026-11-16T13:20:00Z'),
        lastMessageAt: new Date('2026-11-16T13:20:00Z'),
        firstLine: null,
        needs: [],
        sentiment: null,
        status: 'open',
        permalink: null,
        waitingMs: 3 * 24 * 3600_000,
      },
    ],
    unansweredTotal: 1,
    atRisk: [],
    busiestChannels: [{ channelId: 'C0SUPPORT1', channelName: 'support', ...c(40, p(43)) }],
  };
}

describe('digest wording', () => {
  it('CLI text: a first week says so once; a later week shows each change', () => {
    expect(renderDigestText(digest(false))).toBe(
      [
        'Support digest 2026-W47 — slack T0LUMEN01',
        '2026-11-16 – 2026-11-22 (UTC)',
        'First week: nothing was stored the week before, so no change is shown.',
        '',
        '  Conversations       12',
        '  Messages            40',
        '  New customers       3',
        '  Returning customers 2',
        '  Median first reply  5 min',
        '',
        'Sentiment of customer messages',
        '  positive 6 · neutral 9 · negative 3',
        '',
        'Top needs',
        '  • billing: 5',
        '  • bug: 2',
        '',
        'Busiest channels',
        '  • slack #support: 40 messages',
        '',
        'Waiting over 24 h for an agent (1)',
        '  • (a file, with no text)',
        '    slack #support 2026-11-16 · open · waiting 3 d',
        '',
      ].join('\n'),
    );
    expect(renderDigestText(digest(true))).toBe(
      [
        'Support digest 2026-W47 — slack T0LUMEN01',
        '2026-11-16 – 2026-11-22 (UTC)',
        'In brackets: the change since the week before.',
        '',
        '  Conversations       12 (+4)',
        '  Messages            40 (-3)',
        '  New customers       3 (±0)',
        '  Returning customers 2 (+2)',
        '  Median first reply  5 min (was 7 min)',
        '',
        'Sentiment of customer messages',
        '  positive 6 (+4) · neutral 9 (±0) · negative 3 (-2)',
        '',
        'Top needs',
        '  • billing: 5 (+4)',
        '  • bug: 2 (-2)',
        '',
        'Busiest channels',
        '  • slack #support: 40 messages (-3)',
        '',
        'Waiting over 24 h for an agent (1)',
        '  • (a file, with no text)',
        '    slack #support 2026-11-16 · open · waiting 3 d',
        '',
      ].join('\n'),
    );
  });

  it('Slack Block Kit: the same words, once', () => {
    const texts = (d: Digest) =>
      renderSlack(d).blocks.map((b) => {
        const x = b as { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> };
        return x.fields ? x.fields.map((f) => f.text) : x.elements ? x.elements.map((e) => e.text) : x.text?.text ?? x.type;
      });
    const first = texts(digest(false));
    expect(first.slice(0, 5)).toEqual([
      'Support digest 2026-W47',
      ['<!date^1794787200^{date_short}|2026-11-16> – <!date^1795391999^{date_short}|2026-11-22> · UTC · First week: nothing was stored the week before, so no change is shown.'],
      [
        '*Conversations*\n12',
        '*Messages*\n40',
        '*New customers*\n3',
        '*Returning customers*\n2',
        '*Median first reply*\n5 min',
        '*Sentiment of customer messages*\n:slightly_smiling_face: positive 6\n:neutral_face: neutral 9\n:disappointed: negative 3',
      ],
      '*Top needs*\n• billing: 5\n• bug: 2',
      '*Busiest channels*\n• <#C0SUPPORT1>: 40 messages',
    ]);
    expect(JSON.stringify(first)).not.toContain('(new)');
    expect(JSON.stringify(first)).toContain('• _(a file, with no text)_ — <#C0SUPPORT1>');
    const later = texts(digest(true));
    expect(later.slice(1, 5)).toEqual([
      ['<!date^1794787200^{date_short}|2026-11-16> – <!date^1795391999^{date_short}|2026-11-22> · UTC · In brackets: the change since the week before.'],
      [
        '*Conversations*\n12 (+4)',
        '*Messages*\n40 (-3)',
        '*New customers*\n3 (±0)',
        '*Returning customers*\n2 (+2)',
        '*Median first reply*\n5 min (was 7 min)',
        '*Sentiment of customer messages*\n:slightly_smiling_face: positive 6 (+4)\n:neutral_face: neutral 9 (±0)\n:disappointed: negative 3 (-2)',
      ],
      '*Top needs*\n• billing: 5 (+4)\n• bug: 2 (-2)',
      '*Busiest channels*\n• <#C0SUPPORT1>: 40 messages (-3)',
    ]);
  });

  it('CSAT and the survey response rate: alone in a first week, then with their change in points', () => {
    const withFeedback = (previous: boolean): Digest => ({
      ...digest(previous),
      feedback: {
        csat: { current: 0.8, previous: previous ? 0.5 : null },
        responseRate: { current: 0.5, previous: previous ? 0.5 : null },
        asked: { current: 4, previous: previous ? 2 : 0 },
        rated: { current: 2, previous: previous ? 1 : 0 },
        lowest: [],
      },
    });
    const slack = (d: Digest) => JSON.stringify(renderSlack(d).blocks);
    expect(slack(withFeedback(false))).toContain('*Customer satisfaction* CSAT 80% · response rate 50% (2 of 4 surveys answered)');
    expect(slack(withFeedback(true))).toContain('*Customer satisfaction* CSAT 80% (+30 pts) · response rate 50% (±0 pts) (2 of 4 surveys answered)');
    const discord = (d: Digest) => renderDiscord(d)[0]!.fields!.find((f) => f.name === 'Customer satisfaction')!.value;
    expect(discord(withFeedback(false))).toBe('CSAT 80% · response rate 50% (2 of 4 surveys answered)');
    expect(discord(withFeedback(true))).toBe('CSAT 80% (+30 pts) · response rate 50% (±0 pts) (2 of 4 surveys answered)');
  });

  it('Discord embeds: the same words, once', () => {
    const [first] = renderDiscord(digest(false));
    expect(first!.description).toBe(
      [
        'Conversations: 12',
        'Messages: 40',
        'New customers: 3 · returning: 2',
        'Median first reply: 5m',
        'Sentiment of customer messages: positive 6 · neutral 9 · negative 3',
        '',
        '*First week: nothing was stored the week before, so no change is shown.*',
      ].join('\n'),
    );
    expect(first!.fields!.slice(0, 3).map((f) => [f.name, f.value])).toEqual([
      ['Top needs', 'billing: 5\nbug: 2'],
      ['Busiest channels', '#support: 40 messages'],
      ['Waiting over 24 h (1)', '**open** 2026-11-16 #support · waiting 3d 0h\n*(a file, with no text)*'],
    ]);
    const [later] = renderDiscord(digest(true));
    expect(later!.description).toBe(
      [
        'Conversations: 12 (+4)',
        'Messages: 40 (-3)',
        'New customers: 3 (±0) · returning: 2 (+2)',
        'Median first reply: 5m (last week 7m)',
        'Sentiment of customer messages: positive 6 (+4) · neutral 9 (±0) · negative 3 (-2)',
        '',
        '*In brackets: the change since the week before.*',
      ].join('\n'),
    );
    expect(later!.fields!.slice(0, 2).map((f) => f.value)).toEqual(['billing: 5 (+4)\nbug: 2 (-2)', '#support: 40 messages (-3)']);
  });
});
