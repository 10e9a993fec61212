// Renders the platform-neutral CustomerSummary (and lookup outcomes) as Block Kit. Pure.
import type { ConversationBrief, CustomerRef, CustomerSummary, SentimentValue } from '../../src/history/types.js';
import { ratingText } from '../../src/feedback/figures.js';
import { NO_TEXT } from '../../src/digest/wording.js';
import { capBlocks, context, divider, fields, header, link, mrkdwnText, sectionsFromLines, section, type Block } from './blockkit.js';

export interface SlackMessagePayload {
  text: string;
  blocks: Block[];
}

const SLACK_CHANNEL = /^[CG][A-Z0-9]{2,}$/;

/** `<!date^…>` renders in the reader's time zone; the fallback is UTC. */
export function slackDate(d: Date | null | undefined, format = '{date_short}'): string {
  if (!d) return '—';
  const unix = Math.floor(d.getTime() / 1000);
  return `<!date^${unix}^${format}|${d.toISOString().slice(0, 10)}>`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 6) / 10;
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

export function channelLabel(platform: string, channelId: string, channelName: string | null): string {
  if (platform === 'slack' && SLACK_CHANNEL.test(channelId)) return `<#${channelId}>`;
  return channelName ? `#${mrkdwnText(channelName, 80)}` : mrkdwnText(channelId, 80);
}

export function sentimentText(s: SentimentValue | null | undefined): string {
  if (!s) return '—';
  const icon = s.label === 'positive' ? ':slightly_smiling_face:' : s.label === 'negative' ? ':disappointed:' : ':neutral_face:';
  return `${icon} ${s.label} (${s.score.toFixed(2)})`;
}

function customerName(c: Pick<CustomerRef, 'name' | 'email' | 'id'>): string {
  return c.name ?? c.email ?? c.id;
}

export function conversationLine(c: ConversationBrief): string {
  const first = c.firstLine ? `“${mrkdwnText(c.firstLine, 150)}”` : `_(${NO_TEXT})_`;
  const parts = [
    `${channelLabel(c.platform, c.channelId, c.channelName)} ${slackDate(c.startedAt)}`,
    c.permalink && /^https?:\/\//.test(c.permalink) ? link(c.permalink, 'open') : null,
    c.status,
    c.needs.length > 0 ? c.needs.map((n) => mrkdwnText(n, 40)).join(', ') : null,
    c.sentiment ? c.sentiment.label : null,
    c.waitingMs !== null ? `waiting ${duration(c.waitingMs)}` : null,
  ].filter((p): p is string => p !== null);
  return `• ${first} — ${parts.join(' · ')}`;
}

function counts(list: Array<{ need: string; count: number }>, max = 5): string {
  const top = list.filter((n) => n.count > 0).slice(0, max);
  return top.length === 0 ? '—' : top.map((n) => `${mrkdwnText(n.need, 40)} (${n.count})`).join(', ');
}

const TREND: Record<CustomerSummary['sentiment']['trend'], string> = {
  improving: ':arrow_upper_right: improving',
  steady: ':arrow_right: steady',
  worsening: ':arrow_lower_right: worsening',
  unknown: 'not enough data',
};

export function renderCustomerSummary(s: CustomerSummary, opts: { nextPageValue?: string | null } = {}): SlackMessagePayload {
  const c = s.customer;
  const name = customerName(c);
  const blocks: Block[] = [header(`Customer: ${name}`)];
  const linked = c.linkedAccounts.map((a) => `${a.platform}: ${a.platform === 'slack' && /^[UW][A-Z0-9]+$/.test(a.userId) ? `<@${a.userId}>` : mrkdwnText(a.name ?? a.userId, 80)}`);
  blocks.push(
    fields([
      `*Email*\n${mrkdwnText(c.email ?? '—', 300)}`,
      `*Company*\n${mrkdwnText(c.company ?? (c.external ? 'external (Slack Connect)' : '—'), 300)}`,
      `*First contact*\n${slackDate(c.customerSince)}`,
      `*Last contact*\n${slackDate(c.lastContactAt)}`,
      `*Conversations*\n${s.volume.conversations.allTime} (${s.volume.conversations.last30d} in 30 days)`,
      `*Messages*\n${s.volume.messages.allTime} (${s.volume.messages.last30d} in 30 days)`,
    ]),
  );
  if (linked.length > 0) blocks.push(context([`Linked accounts: ${linked.slice(0, 20).join(', ')}`]));
  if (s.volume.byChannel.length > 0) {
    const lines = s.volume.byChannel
      .slice(0, 10)
      .map((ch) => `${channelLabel(ch.platform, ch.channelId, ch.channelName)}: ${plural(ch.conversations, 'conversation')}, ${plural(ch.messages, 'message')}`);
    blocks.push(section(`*By channel*\n${lines.join('\n')}`));
  }
  const sentimentLines = [
    `*Sentiment* ${sentimentText(s.sentiment.current)} · trend ${TREND[s.sentiment.trend]}`,
    ...(s.sentiment.turnedNegative ? [':warning: turned negative recently'] : []),
    `*Top needs* ${counts(s.needs.last30d)} (30 days) · ${counts(s.needs.allTime)} (all time)`,
  ];
  blocks.push(section(sentimentLines.join('\n')));
  if (s.feedback && (s.feedback.ratings > 0 || s.feedback.comments.length > 0)) {
    const f = s.feedback;
    blocks.push(
      ...sectionsFromLines([
        `*Satisfaction* ${ratingText(f.average, f.ratings)}`,
        ...f.comments.map((c) => `> “${mrkdwnText(c.text, 300)}” ${c.rating !== null ? `(${c.rating}/5) ` : ''}${slackDate(c.at)}`),
      ]),
    );
  }
  if (s.state.open.length > 0 || s.state.unanswered.length > 0) {
    blocks.push(divider());
    const unansweredIds = new Set(s.state.unanswered.map((u) => u.id));
    const lines = [
      `*Open (${s.state.open.length})${s.state.unanswered.length > 0 ? `, ${s.state.unanswered.length} unanswered` : ''}*`,
      ...[...s.state.unanswered, ...s.state.open.filter((o) => !unansweredIds.has(o.id))].slice(0, 10).map(conversationLine),
    ];
    blocks.push(...sectionsFromLines(lines));
  }
  blocks.push(divider());
  const r = s.recent;
  const pages = Math.max(1, Math.ceil(r.total / Math.max(1, r.pageSize)));
  if (r.conversations.length === 0) blocks.push(section('_No conversations yet._'));
  else blocks.push(...sectionsFromLines([`*Recent conversations* (page ${r.page} of ${pages})`, ...r.conversations.map(conversationLine)]));
  if (opts.nextPageValue && r.page < pages) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', action_id: 'history_page', text: { type: 'plain_text', text: 'Older conversations' }, value: opts.nextPageValue.slice(0, 2000) }],
    });
  }
  return { text: `Customer history: ${mrkdwnText(name, 200)}`, blocks: capBlocks(blocks) };
}

/** `query` is mrkdwn already made safe (see queryLabel). */
export function renderAmbiguous(query: string, candidates: CustomerRef[]): SlackMessagePayload {
  const lines = candidates.slice(0, 10).map(
    (c) => `• ${mrkdwnText(customerName(c), 100)}${c.email ? ` — ${mrkdwnText(c.email, 100)}` : ''}${c.company ? ` (${mrkdwnText(c.company, 60)})` : ''} · last contact ${slackDate(c.lastContactAt)}`,
  );
  const text = `Several customers match “${query}”. Try an email or an @mention:`;
  return { text, blocks: capBlocks([section(text), ...sectionsFromLines(lines)]) };
}

/** `query` is mrkdwn already made safe (see queryLabel). */
export function renderNotFound(query: string): SlackMessagePayload {
  const text =
    `No customer matches “${query}” yet. ` +
    'Try `/history @user`, `/history name@example.com` or part of their name; customers appear once they have written in a support channel.';
  return { text, blocks: [section(text)] };
}

export function renderText(text: string): SlackMessagePayload {
  return { text, blocks: [section(text)] };
}
