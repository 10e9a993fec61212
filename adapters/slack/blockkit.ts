// Block Kit building blocks with Slack's escaping and length limits. Pure.
//
// Customer text shown in mrkdwn is escaped (& < >), so `<!channel>`, `<@U123>` and `<http://evil|bank.com>`
// show as typed and ping or link nothing; the bare words @channel/@here/@everyone get a word joiner so no
// client parses them either; lone UTF-16 surrogates become U+FFFD; every text is cut inside its limit.

/** Slack's documented limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 2000,
  buttonText: 75,
  buttonValue: 2000,
  messageText: 4000,
} as const;

const ELLIPSIS = '…';

/** Makes a string well formed (lone surrogates → U+FFFD). */
export function wellFormed(s: string): string {
  return (s as string & { toWellFormed?: () => string }).toWellFormed?.() ?? s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function escapeChar(ch: string): string {
  if (ch === '&') return '&amp;';
  if (ch === '<') return '&lt;';
  if (ch === '>') return '&gt;';
  return ch;
}

const BROADCAST = /@(channel|here|everyone)\b/gi;

/**
 * Escapes untrusted text for mrkdwn and cuts it to at most `max` characters (UTF-16 code units) after
 * escaping, never inside an entity or a surrogate pair, ending with … when cut.
 */
export function mrkdwnText(raw: string | null | undefined, max: number = LIMITS.sectionText): string {
  if (raw === null || raw === undefined) return '';
  const text = wellFormed(raw).replace(BROADCAST, '@\u2060$1');
  let out = '';
  for (const ch of text) {
    const piece = escapeChar(ch);
    if (out.length + piece.length > max) {
      // Make room for the ellipsis without splitting an entity or a pair.
      while (out.length + ELLIPSIS.length > max) out = dropLast(out);
      return out + ELLIPSIS;
    }
    out += piece;
  }
  return out;
}

function dropLast(s: string): string {
  const entity = /&(amp|lt|gt);$/.exec(s);
  if (entity) return s.slice(0, -entity[0].length);
  const cp = [...s.slice(-2)];
  return s.slice(0, s.length - (cp.length === 1 && s.length >= 2 ? 2 : 1));
}

/** Plain text (no mrkdwn parsing at all), well formed and cut to `max`. */
export function plainText(raw: string | null | undefined, max: number): string {
  if (!raw) return '';
  const text = wellFormed(raw);
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length + ELLIPSIS.length > max) break;
    out += ch;
  }
  return out + ELLIPSIS;
}

/** A link to a Slack permalink with escaped label; only http(s) URLs become links. */
export function link(url: string | null | undefined, label: string, max = 500): string {
  const text = mrkdwnText(label, max);
  if (!url || !/^https?:\/\/[^\s<>|]+$/.test(url)) return text;
  return `<${url}|${text.replace(/\|/g, '¦')}>`;
}

export type Block = Record<string, unknown>;

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: plainText(text, LIMITS.headerText), emoji: true } };
}

export function section(mrkdwn: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: mrkdwn.length > LIMITS.sectionText ? mrkdwn.slice(0, LIMITS.sectionText - 1) + ELLIPSIS : mrkdwn || ' ' } };
}

export function fields(items: string[]): Block {
  return {
    type: 'section',
    fields: items.slice(0, LIMITS.sectionFields).map((t) => ({ type: 'mrkdwn', text: t.length > LIMITS.fieldText ? t.slice(0, LIMITS.fieldText - 1) + ELLIPSIS : t || ' ' })),
  };
}

export function context(items: string[]): Block {
  return {
    type: 'context',
    elements: items.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn', text: t.length > LIMITS.contextText ? t.slice(0, LIMITS.contextText - 1) + ELLIPSIS : t || ' ' })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

/** Joins lines into sections of at most the section limit each. */
export function sectionsFromLines(lines: string[]): Block[] {
  const out: Block[] = [];
  let cur = '';
  for (const line of lines) {
    const l = line.length > LIMITS.sectionText ? line.slice(0, LIMITS.sectionText - 1) + ELLIPSIS : line;
    if (cur !== '' && cur.length + 1 + l.length > LIMITS.sectionText) {
      out.push(section(cur));
      cur = '';
    }
    cur = cur === '' ? l : `${cur}\n${l}`;
  }
  if (cur !== '') out.push(section(cur));
  return out;
}

/** Keeps a message within the block count limit, saying so when something was left out. */
export function capBlocks(blocks: Block[], note = 'More was left out to fit in one message.'): Block[] {
  if (blocks.length <= LIMITS.blocks) return blocks;
  return [...blocks.slice(0, LIMITS.blocks - 1), context([`_${note}_`])];
}
