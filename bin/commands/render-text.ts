// Terminal text for the summaries the slash commands show (pure): the customer summary, lookup outcomes
// and the weekly digest. Dates are printed as UTC calendar dates.
import type { Change, Digest } from '../../src/digest/types.js';
import { comparisonNote, delta, figure, isFirstWeek, NO_TEXT, SENTIMENT_LABEL } from '../../src/digest/wording.js';
import type { ConversationBrief, CustomerRef, CustomerSummary, SentimentValue } from '../../src/history/types.js';

const day = (d: Date | null | undefined): string => (d ? d.toISOString().slice(0, 10) : '—');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Control characters from customer text would move the terminal's cursor; show them as spaces. */
function clean(s: string, max = 150): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 6) / 10;
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

function channel(platform: string, channelId: string, channelName: string | null): string {
  return `${platform} #${clean(channelName ?? channelId, 80)}`;
}

function sentiment(s: SentimentValue | null | undefined): string {
  return s ? `${s.label} (${s.score.toFixed(2)})` : '—';
}

export function conversationLine(c: ConversationBrief): string {
  const parts = [
    `${channel(c.platform, c.channelId, c.channelName)} ${day(c.startedAt)}`,
    c.status,
    c.needs.length > 0 ? c.needs.map((n) => clean(n, 40)).join(', ') : null,
    c.sentiment ? c.sentiment.label : null,
    c.waitingMs !== null ? `waiting ${duration(c.waitingMs)}` : null,
  ].filter((p): p is string => p !== null);
  const first = c.firstLine ? `“${clean(c.firstLine)}”` : `(${NO_TEXT})`;
  return `  • ${first}\n    ${parts.join(' · ')}${c.permalink && /^https?:\/\//.test(c.permalink) ? `\n    ${c.permalink}` : ''}`;
}

function needCounts(list: Array<{ need: string; count: number }>, max = 5): string {
  const top = list.filter((n) => n.count > 0).slice(0, max);
  return top.length === 0 ? '—' : top.map((n) => `${clean(n.need, 40)} (${n.count})`).join(', ');
}

const TREND: Record<CustomerSummary['sentiment']['trend'], string> = {
  improving: 'improving',
  steady: 'steady',
  worsening: 'worsening',
  unknown: 'not enough data',
};

export function customerLabel(c: Pick<CustomerRef, 'name' | 'email' | 'id'>): string {
  return clean(c.name ?? c.email ?? c.id, 100);
}

export function renderSummaryText(s: CustomerSummary): string {
  const c = s.customer;
  const lines: string[] = [`Customer: ${customerLabel(c)}  (${c.id})`, ''];
  const row = (k: string, v: string): void => void lines.push(`  ${k.padEnd(14)}${v}`);
  row('Email', clean(c.email ?? '—', 300));
  row('Company', clean(c.company ?? (c.external ? 'external (Slack Connect)' : '—'), 300));
  row('First contact', day(c.customerSince));
  row('Last contact', day(c.lastContactAt));
  row('Conversations', `${s.volume.conversations.allTime} (${s.volume.conversations.last30d} in 30 days)`);
  row('Messages', `${s.volume.messages.allTime} (${s.volume.messages.last30d} in 30 days)`);
  if (c.linkedAccounts.length > 0) row('Accounts', c.linkedAccounts.map((a) => `${a.platform}:${a.userId}${a.name ? ` (${clean(a.name, 60)})` : ''}`).join(', '));
  row('Sentiment', `${sentiment(s.sentiment.current)} · trend ${TREND[s.sentiment.trend]}${s.sentiment.turnedNegative ? ' · turned negative recently' : ''}`);
  row('Top needs', `${needCounts(s.needs.last30d)} (30 days) · ${needCounts(s.needs.allTime)} (all time)`);
  if (s.volume.byChannel.length > 0) {
    lines.push('', 'By channel');
    for (const ch of s.volume.byChannel.slice(0, 10)) lines.push(`  ${channel(ch.platform, ch.channelId, ch.channelName)}: ${plural(ch.conversations, 'conversation')}, ${plural(ch.messages, 'message')}`);
  }
  if (s.state.open.length > 0 || s.state.unanswered.length > 0) {
    const unansweredIds = new Set(s.state.unanswered.map((u) => u.id));
    lines.push('', `Open (${s.state.open.length})${s.state.unanswered.length > 0 ? `, ${s.state.unanswered.length} unanswered` : ''}`);
    for (const conv of [...s.state.unanswered, ...s.state.open.filter((o) => !unansweredIds.has(o.id))].slice(0, 10)) lines.push(conversationLine(conv));
  }
  const r = s.recent;
  const pages = Math.max(1, Math.ceil(r.total / Math.max(1, r.pageSize)));
  lines.push('');
  if (r.conversations.length === 0) lines.push('No conversations yet.');
  else {
    lines.push(`Recent conversations (page ${r.page} of ${pages})`);
    for (const conv of r.conversations) lines.push(conversationLine(conv));
  }
  return `${lines.join('\n')}\n`;
}

export function renderAmbiguousText(query: string, candidates: CustomerRef[]): string {
  const lines = [`Several customers match “${clean(query, 100)}”. Ask again by email or platform:id:`];
  for (const c of candidates.slice(0, 20)) {
    lines.push(`  • ${customerLabel(c)}${c.email ? ` — ${clean(c.email, 100)}` : ''}${c.company ? ` (${clean(c.company, 60)})` : ''} · ${c.id} · last contact ${day(c.lastContactAt)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A figure and its change since the week before (`12 (+4)`); the figure alone in a first week. */
export function change(c: Change, firstWeek = false): string {
  return figure(c, firstWeek);
}

export function renderDigestText(d: Digest): string {
  const first = isFirstWeek(d);
  const lines: string[] = [
    `Support digest ${d.week} — ${d.platform} ${d.workspaceId}`,
    `${day(d.start)} – ${day(new Date(d.end.getTime() - 1))} (${d.timeZone})`,
    comparisonNote(d),
    '',
  ];
  const row = (k: string, v: string): void => void lines.push(`  ${k.padEnd(20)}${v}`);
  row('Conversations', change(d.conversations, first));
  row('Messages', change(d.messages, first));
  row('New customers', change(d.customers.new, first));
  row('Returning customers', change(d.customers.returning, first));
  row('Median first reply', `${duration(d.medianFirstReplyMs.current)}${first ? '' : ` (was ${duration(d.medianFirstReplyMs.previous)})`}`);
  const s = d.sentiment;
  lines.push('', SENTIMENT_LABEL, `  positive ${change(s.positive, first)} · neutral ${change(s.neutral, first)} · negative ${change(s.negative, first)}`);
  if (d.needs.length > 0) {
    lines.push('', 'Top needs');
    for (const n of d.needs.slice(0, 8)) lines.push(`  • ${clean(n.need, 60)}: ${change(n, first)}`);
  }
  if (d.busiestChannels.length > 0) {
    lines.push('', 'Busiest channels');
    for (const c of d.busiestChannels.slice(0, 5)) lines.push(`  • ${channel(d.platform, c.channelId, c.channelName)}: ${c.current} messages${delta(c, first)}`);
  }
  lines.push('');
  if (d.unanswered.length > 0) {
    lines.push(`Waiting over 24 h for an agent (${d.unanswered.length})`);
    for (const c of d.unanswered.slice(0, 15)) lines.push(conversationLine(c));
  } else lines.push('No conversation has waited over 24 hours.');
  if (d.atRisk.length > 0) {
    lines.push('', `Customers at risk (${d.atRisk.length})`);
    for (const r of d.atRisk.slice(0, 10)) {
      const why = r.reason === 'turned-negative' ? 'turned negative' : `${r.negativeConversations} negative conversations`;
      lines.push(`  • ${customerLabel(r.customer)}${r.customer.company ? ` (${clean(r.customer.company, 60)})` : ''}: ${why}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
