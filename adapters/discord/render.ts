// Pure rendering of the platform-neutral CustomerSummary, lookup results and Digest as Discord embeds,
// always within Discord's limits (every customer-supplied string goes through safeText).
import { ratingText } from '../../src/feedback/figures.js';
import type { Digest } from '../../src/digest/types.js';
import type { Change } from '../../src/digest/types.js';
import { comparisonNote, delta, figure, isFirstWeek, NO_TEXT, SENTIMENT_LABEL, shareFigure } from '../../src/digest/wording.js';
import type { ConversationBrief, CustomerLookup, CustomerRef, CustomerSummary } from '../../src/history/types.js';
import { charLength, LIMITS, safeLine, safeText, truncate } from './text.js';

export interface Embed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
  timestamp?: string;
}

const COLOR = { info: 0x5865f2, warn: 0xfee75c, bad: 0xed4245, good: 0x57f287 } as const;

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function day(d: Date | null): string {
  return d ? d.toISOString().slice(0, 10) : '—';
}

function safeUrl(u: string | null): string | null {
  if (!u) return null;
  try {
    const p = new URL(u);
    return p.protocol === 'https:' && !/[()\s<>]/.test(u) ? u : null;
  } catch {
    return null;
  }
}

/** Joins lines into a field value of at most `max` chars, ending with "…and N more" when cut. */
export function listValue(lines: string[], max: number = LIMITS.fieldValue, empty = '—'): string {
  if (lines.length === 0) return empty;
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = truncate(lines[i]!, max - 20);
    const reserve = i < lines.length - 1 ? 20 : 0; // room for "…and N more"
    const sep = out.length > 0 ? 1 : 0;
    if (used + sep + line.length + reserve > max) {
      out.push(`…and ${lines.length - i} more`);
      break;
    }
    out.push(line);
    used += sep + line.length;
  }
  return truncate(out.join('\n'), max);
}

function embedLength(e: Embed): number {
  let n = charLength(e.title ?? '') + charLength(e.description ?? '') + charLength(e.footer?.text ?? '');
  for (const f of e.fields ?? []) n += charLength(f.name) + charLength(f.value);
  return n;
}

/** Enforces every per-part limit, then the 6,000-character total (dropping trailing fields, then cutting descriptions). */
export function fitEmbeds(input: Embed[]): Embed[] {
  const embeds = input.slice(0, LIMITS.embeds).map((e) => {
    const out: Embed = { ...e };
    if (out.title !== undefined) out.title = truncate(out.title, LIMITS.title);
    if (out.description !== undefined) out.description = truncate(out.description, LIMITS.description);
    if (out.footer) out.footer = { text: truncate(out.footer.text, LIMITS.footer) };
    if (out.fields) {
      out.fields = out.fields
        .slice(0, LIMITS.fields)
        .map((f) => ({ ...f, name: truncate(f.name || '—', LIMITS.fieldName), value: truncate(f.value || '—', LIMITS.fieldValue) }));
    }
    return out;
  });
  const total = () => embeds.reduce((n, e) => n + embedLength(e), 0);
  let trimmed = false;
  while (total() > LIMITS.total) {
    trimmed = true;
    const last = embeds[embeds.length - 1]!;
    if (last.fields && last.fields.length > 0) {
      last.fields.pop();
      continue;
    }
    const over = total() - LIMITS.total;
    const desc = last.description ?? '';
    if (charLength(desc) > over + 40) {
      last.description = truncate(desc, desc.length - over - 40);
      continue;
    }
    if (embeds.length > 1) embeds.pop();
    else {
      last.description = truncate(desc, Math.max(1, LIMITS.total - embedLength({ ...last, description: '' }) - 40));
      break;
    }
  }
  if (trimmed) {
    const last = embeds[embeds.length - 1]!;
    const note = 'Some details were cut to fit Discord’s limits.';
    if (total() + charLength(note) <= LIMITS.total) last.footer = { text: note };
  }
  return embeds;
}

function briefLine(c: ConversationBrief, now: Date): string {
  const where = c.channelName ? `#${safeLine(c.channelName, 60)}` : c.platform === 'discord' ? `<#${c.channelId}>` : safeLine(c.channelId, 40);
  const wait = c.waitingMs !== null ? ` · waiting ${formatDuration(c.waitingMs)}` : '';
  const needs = c.needs.length > 0 ? ` · ${c.needs.slice(0, 3).map((n) => safeLine(n, 30)).join(', ')}` : '';
  const line = c.firstLine ? `“${safeLine(c.firstLine, 120)}”` : `*(${NO_TEXT})*`;
  const url = safeUrl(c.permalink);
  const head = `**${c.status}** ${day(c.startedAt)} ${where}${wait}${needs}`;
  void now;
  return `${head}\n${url ? `[open](${url}) ` : ''}${line}`;
}

function customerTitle(c: CustomerRef): string {
  return safeLine(c.name ?? c.email ?? 'Unnamed customer', 200);
}

export function renderSummary(s: CustomerSummary, now: Date = new Date()): Embed[] {
  const c = s.customer;
  const about: string[] = [];
  if (c.email) about.push(`Email: ${safeLine(c.email, 200)}`);
  if (c.company) about.push(`Company: ${safeLine(c.company, 200)}`);
  if (c.external) about.push('External account');
  about.push(`Customer since ${day(c.customerSince)} · last contact ${day(c.lastContactAt)}`);
  if (c.linkedAccounts.length > 0) {
    about.push(`Linked: ${c.linkedAccounts.slice(0, 10).map((a) => `${a.platform} ${safeLine(a.name ?? a.userId, 60)}`).join(', ')}`);
  }
  const sent = s.sentiment;
  const sentimentLine = sent.current
    ? `${sent.current.label} (${sent.current.score.toFixed(2)}) · trend ${sent.trend}${sent.turnedNegative ? ' · **turned negative**' : ''}`
    : 'no tagged messages yet';
  const main: Embed = {
    title: customerTitle(c),
    description: about.join('\n'),
    color: sent.turnedNegative ? COLOR.bad : COLOR.info,
    fields: [
      { name: 'Conversations', value: `${s.volume.conversations.allTime} all time · ${s.volume.conversations.last30d} in 30 days`, inline: true },
      { name: 'Messages', value: `${s.volume.messages.allTime} all time · ${s.volume.messages.last30d} in 30 days`, inline: true },
      { name: 'Sentiment', value: sentimentLine },
      { name: 'Needs (30 days)', value: listValue(s.needs.last30d.map((n) => `${safeLine(n.need, 60)}: ${n.count}`)), inline: true },
      { name: 'Needs (all time)', value: listValue(s.needs.allTime.map((n) => `${safeLine(n.need, 60)}: ${n.count}`)), inline: true },
      ...(s.feedback && (s.feedback.ratings > 0 || s.feedback.comments.length > 0)
        ? [{
            name: 'Satisfaction',
            value: listValue([ratingText(s.feedback.average, s.feedback.ratings), ...s.feedback.comments.map((c) => `“${safeLine(c.text, 250)}”${c.rating !== null ? ` (${c.rating}/5)` : ''} ${day(c.at)}`)], LIMITS.fieldValue),
          }]
        : []),
      {
        name: 'Channels',
        value: listValue(s.volume.byChannel.map((ch) => `${ch.platform} ${ch.channelName ? `#${safeLine(ch.channelName, 60)}` : safeLine(ch.channelId, 40)}: ${ch.conversations} conv, ${ch.messages} msg`)),
      },
    ],
  };
  const state: Embed = {
    title: 'Open and unanswered',
    color: s.state.unanswered.length > 0 ? COLOR.warn : COLOR.good,
    fields: [
      { name: `Unanswered (${s.state.unanswered.length})`, value: listValue(s.state.unanswered.map((b) => briefLine(b, now)), LIMITS.fieldValue, 'none') },
      { name: `Open (${s.state.open.length})`, value: listValue(s.state.open.map((b) => briefLine(b, now)), LIMITS.fieldValue, 'none') },
    ],
  };
  const pages = Math.max(1, Math.ceil(s.recent.total / Math.max(1, s.recent.pageSize)));
  const recent: Embed = {
    title: `Recent conversations (page ${s.recent.page} of ${pages})`,
    description: listValue(s.recent.conversations.map((b) => briefLine(b, now)), LIMITS.description, 'No conversations yet.'),
    footer: { text: `${s.recent.total} conversations in total` },
  };
  return fitEmbeds([main, state, recent]);
}

export function renderLookup(lookup: Exclude<CustomerLookup, { kind: 'found' }>, asked: string): Embed[] {
  if (lookup.kind === 'not-found') {
    return fitEmbeds([{ title: 'No customer found', description: `Nobody matches ${safeLine(asked, 200)}. Try an email address, another spelling, or pick a suggestion.`, color: COLOR.warn }]);
  }
  return fitEmbeds([
    {
      title: 'Several customers match',
      description: listValue(
        lookup.candidates.map((c) => `• ${customerTitle(c)}${c.email ? ` (${safeLine(c.email, 100)})` : ''}${c.company ? ` · ${safeLine(c.company, 80)}` : ''} · last contact ${day(c.lastContactAt)}`),
        LIMITS.description,
      ) + '\nPick one from the suggestions of `query`.',
      color: COLOR.warn,
    },
  ]);
}

/** A figure and its change since the week before (`12 (+4)`); the figure alone in a first week. */
function change(c: Change, firstWeek: boolean): string {
  return figure(c, firstWeek);
}

export function renderDigest(d: Digest): Embed[] {
  const first = isFirstWeek(d);
  const s = d.sentiment;
  const summary = [
    `Conversations: ${change(d.conversations, first)}`,
    `Messages: ${change(d.messages, first)}`,
    `New customers: ${change(d.customers.new, first)} · returning: ${change(d.customers.returning, first)}`,
    `Median first reply: ${formatDuration(d.medianFirstReplyMs.current)}${first ? '' : ` (last week ${formatDuration(d.medianFirstReplyMs.previous)})`}`,
    `${SENTIMENT_LABEL}: positive ${change(s.positive, first)} · neutral ${change(s.neutral, first)} · negative ${change(s.negative, first)}`,
    '',
    `*${comparisonNote(d)}*`,
  ];
  const main: Embed = {
    title: `Weekly support digest — ${d.week}`,
    description: summary.join('\n'),
    color: COLOR.info,
    fields: [
      { name: 'Top needs', value: listValue(d.needs.map((n) => `${safeLine(n.need, 60)}: ${change(n, first)}`)), inline: true },
      {
        name: 'Busiest channels',
        value: listValue(d.busiestChannels.map((c) => `${c.channelName ? `#${safeLine(c.channelName, 60)}` : `<#${c.channelId}>`}: ${c.current} messages${delta(c, first)}`)),
        inline: true,
      },
      {
        name: `Waiting over 24 h (${d.unanswered.length})`,
        value: listValue(d.unanswered.map((b) => briefLine(b, d.end)), LIMITS.fieldValue, 'none'),
      },
      {
        name: `Customers at risk (${d.atRisk.length})`,
        value: listValue(
          d.atRisk.map((r) => `${customerTitle(r.customer)} · ${r.reason === 'turned-negative' ? 'turned negative' : 'repeatedly negative'} (${r.negativeConversations} conv)`),
          LIMITS.fieldValue,
          'none',
        ),
      },
      ...(d.feedback && (d.feedback.asked.current > 0 || d.feedback.asked.previous > 0)
        ? [{
            name: 'Customer satisfaction',
            value: listValue(
              [
                `CSAT ${shareFigure(d.feedback.csat, first)} · response rate ${shareFigure(d.feedback.responseRate, first)} (${d.feedback.rated.current} of ${d.feedback.asked.current} surveys answered)`,
                ...d.feedback.lowest.map((l) => `${l.rating}/5 ${l.permalink && /^https:\/\/[^\s)]+$/.test(l.permalink) ? `[${safeLine(l.firstLine ?? 'conversation', 80)}](${l.permalink})` : safeLine(l.firstLine ?? 'conversation', 80)} in <#${l.channelId}>`),
              ],
              LIMITS.fieldValue,
            ),
          }]
        : []),
    ],
    footer: { text: `${d.start.toISOString().slice(0, 10)} – ${d.end.toISOString().slice(0, 10)} (${d.timeZone})` },
  };
  return fitEmbeds([main]);
}

/** A plain one-line notice (errors, refusals), safe to echo user input into. */
export function notice(text: string): Embed[] {
  return fitEmbeds([{ description: text, color: COLOR.warn }]);
}

export { safeText };
