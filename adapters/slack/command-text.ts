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
