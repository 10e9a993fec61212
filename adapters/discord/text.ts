// Pure text safety and limits for anything echoed into Discord: mentions neutralised, markdown escaped,
// unpaired surrogates replaced, zalgo tamed, and lengths cut within Discord's documented limits.
import { wellFormed } from './mapper.js';

/** Discord's documented message and embed limits. */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  authorName: 256,
  total: 6000,
} as const;

const ZWSP = '\u200b';

/** Length as Discord counts it (code points); never more than the UTF-16 length. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/** Cuts to at most `max` code points (and UTF-16 units), ending with … when cut; never splits a pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** At most two combining marks on one base character. */
export function tameZalgo(s: string): string {
  return s.replace(/(\p{M}{2})\p{M}+/gu, '$1');
}

/**
 * Makes user-supplied text inert: `@everyone`/`@here`/`<@id>`/`<@&id>`/`<#id>`/`</cmd:id>` cannot
 * mention, markdown cannot format (or hide links), and the text is well-formed UTF-16.
 */
export function safeText(s: string | null | undefined): string {
  if (!s) return '';
  return tameZalgo(wellFormed(s))
    .replace(/\r\n?/g, '\n')
    .replace(/([\\*_~`|[\]()])/g, '\\$1')
    .replace(/^([#>-])/gm, '\\$1')
    .replace(/@/g, `@${ZWSP}`)
    .replace(/<(?=[@#/:a])/g, `<${ZWSP}`);
}

/** One line of user text: newlines folded, made safe, cut to `max`. */
export function safeLine(s: string | null | undefined, max: number): string {
  return truncate(safeText((s ?? '').replace(/\s+/g, ' ').trim()), max);
}
