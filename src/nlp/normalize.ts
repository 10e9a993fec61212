// Turns chat markup into plain words before tagging (pure).
import type { Platform } from '../db/models.js';

/** Removes markup, mentions, code and quotes that are not the customer's own words. */
export function normalizeChatText(text: string, platform: Platform): string {
  let t = text;
  t = t.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' '); // code
  t = t
    .split('\n')
    .filter((line) => !/^\s*(>|&gt;)/.test(line)) // quoted replies
    .join('\n');
  if (platform === 'slack') {
    t = t
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2') // <url|label>
      .replace(/<#[A-Z0-9]+(\|[^>]*)?>/g, ' ') // channels
      .replace(/<[@!][^>]*>/g, ' ') // users, groups, specials
      .replace(/<(https?:[^>]+)>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  } else {
    t = t
      .replace(/<a?:(\w+):\d+>/g, ' :$1: ') // custom emoji keep their name
      .replace(/<(@[!&]?|#)\d+>/g, ' ') // users, roles, channels
      .replace(/\|\|([^|]*)\|\|/g, '$1'); // spoilers
  }
  t = t.replace(/https?:\/\/\S+/g, ' ');
  t = t.replace(/[*_~]{1,3}([^*_~\n]+)[*_~]{1,3}/g, '$1'); // bold, italics, strike
  return t.replace(/\s+/g, ' ').trim();
}
