// Parses what an agent typed after a slash command. Pure.
import type { CustomerQuery } from '../../src/history/types.js';
import { mrkdwnText } from './blockkit.js';

const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const MAILTO = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/i;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export const HISTORY_USAGE = 'Usage: `/history @user`, `/history name@example.com` or `/history part of a name`';

/**
 * `/history` argument → a customer query: an escaped user mention (`<@U123|name>`), an email (plain or
 * Slack's `<mailto:…|…>`), or a name. Null when empty.
 */
export function parseHistoryQuery(text: string | undefined | null): CustomerQuery | null {
  const t = (text ?? '').trim().replace(/\s+/g, ' ');
  if (t === '') return null;
  const mention = MENTION.exec(t);
  if (mention) return { userId: mention[1]! };
  const mailto = MAILTO.exec(t);
  if (mailto) return { email: mailto[1]!.trim().toLowerCase() };
  if (EMAIL.test(t)) return { email: t.toLowerCase() };
  // A name, possibly typed as @name when the command's escaping is off.
  const name = t.replace(/^@/, '').slice(0, 200);
  return name === '' ? null : { name };
}

/** The query shown back in mrkdwn: a user id as a mention (ids are validated), anything typed escaped. */
export function queryLabel(q: CustomerQuery): string {
  if ('userId' in q) return /^[UW][A-Z0-9]{2,}$/.test(q.userId) ? `<@${q.userId}>` : mrkdwnText(q.userId, 40);
  return mrkdwnText('email' in q ? q.email : q.name, 200);
}

export const CUSTOMER_USAGE =
  'Usage: `/customer link @slack-user customer@example.com` (two or more: @mentions, emails or full ids such as `discord:<guild>:<user>`), `/customer unlink @slack-user`, `/customer export @slack-user` (their history as a JSON file) or `/customer forget @slack-user` (admins: erase them)';
export const RESOLVE_USAGE = 'Usage: `/resolve <link to the thread or message>` (Message menu → Copy link), or react ✅ to the thread';

/** One customer named in `/customer`: a Slack user, an email, or a full customer id (any platform). */
export type CustomerToken = { userId: string } | { email: string } | { id: string };

const FULL_ID = /^(slack|discord):[A-Za-z0-9._-]{1,64}:[A-Za-z0-9._-]{1,64}$/;

export function parseCustomerToken(token: string): CustomerToken | null {
  const mention = MENTION.exec(token);
  if (mention) return { userId: mention[1]! };
  const mailto = MAILTO.exec(token);
  if (mailto) return { email: mailto[1]!.trim().toLowerCase() };
  if (EMAIL.test(token)) return { email: token.toLowerCase() };
  if (FULL_ID.test(token)) return { id: token };
  return null;
}

export type CustomerCommand =
  | { action: 'link'; tokens: CustomerToken[] }
  | { action: 'unlink'; token: CustomerToken }
  | { action: 'forget'; token: CustomerToken }
  | { action: 'export'; token: CustomerToken }
  | { action: 'usage'; problem?: string };

const ONE_CUSTOMER = new Set(['unlink', 'forget', 'export']);

/** `/customer link a b …`, or `/customer unlink|forget|export a`. */
export function parseCustomerCommand(text: string | undefined | null): CustomerCommand {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  const [verb, ...rest] = words;
  if (verb !== 'link' && !ONE_CUSTOMER.has(verb ?? '')) return { action: 'usage' };
  const tokens: CustomerToken[] = [];
  for (const w of rest) {
    const t = parseCustomerToken(w);
    if (!t) return { action: 'usage', problem: w };
    tokens.push(t);
  }
  if (verb !== 'link') return tokens.length === 1 ? ({ action: verb, token: tokens[0]! } as CustomerCommand) : { action: 'usage' };
  return tokens.length >= 2 ? { action: 'link', tokens } : { action: 'usage' };
}

/** A Slack message link (`https://x.slack.com/archives/C…/p1700000000123456?thread_ts=…`) → channel and thread. */
export function parseMessageLink(text: string | undefined | null): { channelId: string; threadId: string } | null {
  const t = (text ?? '').trim().replace(/^<|>$/g, '').split('|')[0]!;
  const m = /^https:\/\/[a-z0-9.-]+\.slack\.com\/archives\/([CG][A-Z0-9]{2,})\/p(\d{10})(\d{6})(?:\?(.*))?$/.exec(t);
  if (!m) return null;
  const params = new URLSearchParams(m[4] ?? '');
  const threadTs = params.get('thread_ts');
  const ts = `${m[2]}.${m[3]}`;
  return { channelId: m[1]!, threadId: threadTs && /^\d{10}\.\d{6}$/.test(threadTs) ? threadTs : ts };
}
