// Turns chat markup into the customer's own words before tagging (pure).
//
// Kept: words, Unicode emoji, `:shortcode:` emoji (Slack and Discord custom emoji keep their name, which carries
// sentiment), emoticons, case and punctuation (shouting and "!!!" change sentiment).
// Dropped: mentions of users, roles and channels, URLs and e-mail addresses, code (inline and blocks), quoted
// replies (someone else's words), Slack/Discord timestamps and slash-command mentions, formatting marks.
import type { Platform } from '../domain/types.js';

const HTML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

function dropQuotes(text: string, quoteMark: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const trimmed = line.trimStart();
    // `>>>` quotes the rest of the message (Discord, and Slack's composer).
    if (trimmed.startsWith(`${quoteMark}${quoteMark}${quoteMark}`)) break;
    if (trimmed.startsWith(quoteMark)) continue;
    out.push(line);
  }
  return out.join('\n');
}

function slack(text: string): string {
  let t = text;
  // Quotes arrive escaped (`&gt; text`) in event payloads; plain `>` in some imports.
  t = dropQuotes(t, '&gt;');
  t = dropQuotes(t, '>');
  t = t
    .replace(/<(?:https?|mailto|tel):[^|>]*\|([^>]*)>/g, ' $1 ') // <url|label>: the label is the customer's
    .replace(/<(?:https?|mailto|tel):[^>]*>/g, ' ') // bare links
    .replace(/<#[A-Z0-9]+(?:\|[^>]*)?>/g, ' ') // channels
    .replace(/<[@!][^>]*>/g, ' ') // users, user groups, !here, !channel, !date
    .replace(/&(?:lt|gt|amp|quot|#39);/g, (m) => HTML_ENTITIES[m] ?? m);
  // mrkdwn: *bold*, _italic_, ~strike~ (markers only at word edges).
  t = t.replace(/(^|[\s(])[*_~]+(?=\S)([^*_~\n]*?\S)[*_~]+(?=$|[\s).,!?:;])/gm, '$1$2');
  return t;
}

function discord(text: string): string {
  let t = dropQuotes(text, '>');
  t = t
    .replace(/\[([^\]\n]+)\]\((?:<)?https?:\/\/[^)\s]+(?:>)?\)/g, ' $1 ') // masked links [label](url)
    .replace(/<a?:(\w+):\d+>/g, ' :$1: ') // custom emoji keep their name
    .replace(/<(?:@[!&]?|#)\d+>/g, ' ') // users, roles, channels
    .replace(/<\/[\w -]+:\d+>/g, ' ') // slash-command mentions
    .replace(/<t:-?\d+(?::[tTdDfFR])?>/g, ' ') // timestamps
    .replace(/<id:\w+>/g, ' ') // guild navigation
    .replace(/@(?:everyone|here)\b/g, ' ')
    .replace(/\|\|([\s\S]*?)\|\|/g, '$1') // spoilers are still the customer's words
    .replace(/^\s*-#\s+/gm, '') // subtext
    .replace(/^\s*#{1,3}\s+/gm, '') // headers
    .replace(/^\s*[-*]\s+/gm, ''); // list bullets
  // Markdown: **bold**, __underline__, *italic*, _italic_, ~~strike~~.
  t = t.replace(/(\*\*\*|\*\*|__|~~|\*|_)(?=\S)([^\n]*?\S)\1/g, '$2');
  return t;
}

// Characters that start any markup handled here; text without them is already plain.
const MARKUP = /[<>&`*_~|@#\[\]\r\u200B-\u200D\u2060\uFEFF-]|https?:|www\./i;

/** Removes markup, mentions, code and quotes that are not the customer's own words. */
export function normalizeChatText(text: string, platform: Platform): string {
  if (!MARKUP.test(text)) return text.includes('\n') || text.includes('  ') || text !== text.trim() ? text.replace(/\s+/g, ' ').trim() : text;
  let t = text.replace(/\r\n?/g, '\n');
  if (t.includes('`')) t = t.replace(/```[\s\S]*?(?:```|$)/g, ' ').replace(/`[^`\n]*`/g, ' '); // code blocks, inline code
  t = platform === 'slack' ? slack(t) : discord(t);
  t = t
    .replace(/\b(?:https?:\/\/|www\.)\S+/gi, ' ') // URLs left in plain text
    .replace(/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, ' ') // e-mail addresses
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, ''); // zero-width characters
  return t.replace(/\s+/g, ' ').trim();
}
