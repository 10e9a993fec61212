// Renders the platform-neutral weekly Digest as Block Kit. Pure.
import type { Change, Digest } from '../../src/digest/types.js';
import { comparisonNote, delta, figure, isFirstWeek, SENTIMENT_LABEL, shareFigure } from '../../src/digest/wording.js';
import { link } from './blockkit.js';
import { capBlocks, context, divider, fields, header, mrkdwnText, section, sectionsFromLines, type Block } from './blockkit.js';
import { channelLabel, conversationLine, duration, slackDate, type SlackMessagePayload } from './render-history.js';

/** A figure and its change since the week before (`12 (+4)`); the figure alone in a first week. */
export function change(c: Change, firstWeek = false): string {
  return figure(c, firstWeek);
}

export function renderDigest(d: Digest): SlackMessagePayload {
  const first = isFirstWeek(d);
  const s = d.sentiment;
  const blocks: Block[] = [
    header(`Support digest ${d.week}`),
    context([`${slackDate(d.start)} – ${slackDate(new Date(d.end.getTime() - 1))} · ${mrkdwnText(d.timeZone, 64)} · ${comparisonNote(d)}`]),
    fields([
      `*Conversations*\n${change(d.conversations, first)}`,
      `*Messages*\n${change(d.messages, first)}`,
      `*New customers*\n${change(d.customers.new, first)}`,
      `*Returning customers*\n${change(d.customers.returning, first)}`,
      `*Median first reply*\n${duration(d.medianFirstReplyMs.current)}${first ? '' : ` (was ${duration(d.medianFirstReplyMs.previous)})`}`,
      `*${SENTIMENT_LABEL}*\n:slightly_smiling_face: positive ${change(s.positive, first)}\n:neutral_face: neutral ${change(s.neutral, first)}\n:disappointed: negative ${change(s.negative, first)}`,
    ]),
  ];
  if (d.needs.length > 0) {
    blocks.push(section(`*Top needs*\n${d.needs.slice(0, 8).map((n) => `• ${mrkdwnText(n.need, 60)}: ${change(n, first)}`).join('\n')}`));
  }
  if (d.busiestChannels.length > 0) {
    blocks.push(section(`*Busiest channels*\n${d.busiestChannels.slice(0, 5).map((c) => `• ${channelLabel(d.platform, c.channelId, c.channelName)}: ${c.current} messages${delta(c, first)}`).join('\n')}`));
  }
  blocks.push(divider());
  if (d.unanswered.length > 0) {
    blocks.push(...sectionsFromLines([`*Waiting over 24 h for an agent (${d.unanswered.length})*`, ...d.unanswered.slice(0, 15).map(conversationLine)]));
  } else {
    blocks.push(section(':white_check_mark: No conversation has waited over 24 hours.'));
  }
  if (d.atRisk.length > 0) {
    const lines = d.atRisk.slice(0, 10).map((r) => {
      const who = mrkdwnText(r.customer.name ?? r.customer.email ?? r.customer.id, 100);
      const why = r.reason === 'turned-negative' ? 'turned negative' : `${r.negativeConversations} negative conversations`;
      return `• ${who}${r.customer.company ? ` (${mrkdwnText(r.customer.company, 60)})` : ''}: ${why}`;
    });
    blocks.push(...sectionsFromLines([`*Customers at risk (${d.atRisk.length})*`, ...lines]));
  }
  if (d.feedback && (d.feedback.asked.current > 0 || d.feedback.asked.previous > 0)) {
    const f = d.feedback;
    const lines = [
      `*Customer satisfaction* CSAT ${shareFigure(f.csat, first)} · response rate ${shareFigure(f.responseRate, first)} (${f.rated.current} of ${f.asked.current} surveys answered)`,
      ...(f.lowest.length > 0 ? ['*Lowest rated*'] : []),
      ...f.lowest.map((l) => `• ${l.rating}/5 ${l.permalink ? link(l.permalink, l.firstLine ?? 'conversation', 200) : mrkdwnText(l.firstLine ?? l.conversationId, 200)} in ${channelLabel(d.platform, l.channelId, null)}`),
    ];
    blocks.push(...sectionsFromLines(lines));
  }
  const text = `Support digest ${d.week}: ${d.conversations.current} conversations, ${d.unanswered.length} waiting over 24 h`;
  return { text, blocks: capBlocks(blocks) };
}
