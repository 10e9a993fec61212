// The words of the weekly digest that every renderer shares (Slack Block Kit, Discord embeds, the CLI's text),
// so they say the same thing the same way. Pure; each renderer adds its own formatting and escaping.
import type { Change, Digest } from './types.js';

/**
 * A first week: nothing was stored the week before, so there is nothing to compare with. The digest says so
 * once (FIRST_WEEK_NOTE) and shows the figures alone, instead of a "(new)" after every one of them.
 */
export function isFirstWeek(d: Pick<Digest, 'conversations' | 'messages'>): boolean {
  return d.conversations.previous === 0 && d.messages.previous === 0;
}

export const FIRST_WEEK_NOTE = 'First week: nothing was stored the week before, so no change is shown.';
export const CHANGE_NOTE = 'In brackets: the change since the week before.';

/** The note under a digest's dates: what the figures in brackets are, or that there are none. */
export function comparisonNote(d: Pick<Digest, 'conversations' | 'messages'>): string {
  return isFirstWeek(d) ? FIRST_WEEK_NOTE : CHANGE_NOTE;
}

/** ` (+4)`, ` (-3)`, ` (±0)`; nothing in a first week. */
export function delta(c: Change, firstWeek: boolean): string {
  if (firstWeek) return '';
  const d = c.current - c.previous;
  return ` (${d > 0 ? '+' : d < 0 ? '-' : '±'}${Math.abs(d)})`;
}

/** `12 (+4)`; `12` in a first week. */
export function figure(c: Change, firstWeek: boolean): string {
  return `${c.current}${delta(c, firstWeek)}`;
}

/**
 * A share (CSAT, survey response rate) as a whole percentage with its change in percentage points since the
 * week before (`80% (+30 pts)`); alone in a first week or when the week before had none; `—` for none.
 */
export function shareFigure(c: { current: number | null; previous: number | null }, firstWeek: boolean): string {
  if (c.current === null) return '—';
  const pct = (x: number): number => Math.round(x * 100);
  if (firstWeek || c.previous === null) return `${pct(c.current)}%`;
  const pts = pct(c.current) - pct(c.previous);
  return `${pct(c.current)}% (${pts > 0 ? '+' : pts < 0 ? '-' : '±'}${Math.abs(pts)} pts)`;
}

/**
 * The sentiment figures count customer messages (each tagged message of a customer adds one to its label;
 * agents' and bots' messages are not counted), not conversations: the label says so.
 */
export const SENTIMENT_LABEL = 'Sentiment of customer messages';

/**
 * What stands for a conversation's first line when its customer's first message has no text. A new message
 * needs text or files to be captured (src/capture/validate.ts), and a Slack bot's attachments give their text,
 * so such a message is a file posted alone (a file the workspace's plan hides from the API is one too).
 */
export const NO_TEXT = 'a file, with no text';
