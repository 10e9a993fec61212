// Splits normalised chat text into tokens that keep what sentiment needs: case (shouting), emoji, emoticons,
// `:shortcodes:` and runs of "!" and "?" (pure).

export type TokenKind = 'word' | 'emoji' | 'shortcode' | 'emoticon' | 'bang' | 'question' | 'stop';

export interface Token {
  kind: TokenKind;
  /** Lower-cased word, emoji character, shortcode name (without colons) or emoticon. */
  value: string;
  /** Written in capitals (two or more letters, none lower case). */
  caps: boolean;
  /** Length of a "!" or "?" run. */
  run: number;
}

// Order matters: shortcodes before emoticons (":smile:" is not ":s"), emoticons only between spaces.
const TOKEN_RE =
  /(:[a-z0-9_+-]{1,40}:)|((?<=^|\s)(?:[:;=8][-'^o]?[)(\]\[dDpP/\\|*3oOxX@$]+|[)(\]\[dD][-'^]?[:;=8]|<\/?3+|\^[_.-]?\^|-_-|[tT]_[tT]|[xX][dD]+|[:;]['’]-?\()(?=$|\s|[.,!?]))|([\p{L}\p{N}]+(?:['’][\p{L}]+)*)|(\p{Extended_Pictographic}|[\u{1F1E6}-\u{1F1FF}]{2})|(!+)|(\?+)|([.;\n]+)/gu;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    if (m[1] !== undefined) {
      const name = m[1].slice(1, -1).toLowerCase();
      if (!name.startsWith('skin-tone')) out.push({ kind: 'shortcode', value: name, caps: false, run: 1 });
    } else if (m[2] !== undefined) out.push({ kind: 'emoticon', value: m[2], caps: false, run: 1 });
    else if (m[3] !== undefined) {
      const raw = m[3].replace(/’/g, "'");
      const lower = raw.toLowerCase();
      const caps = raw.length >= 2 && raw !== lower && raw === raw.toUpperCase();
      out.push({ kind: 'word', value: lower, caps, run: 1 });
    } else if (m[4] !== undefined) out.push({ kind: 'emoji', value: m[4], caps: false, run: 1 });
    else if (m[5] !== undefined) out.push({ kind: 'bang', value: '!', caps: false, run: m[5].length });
    else if (m[6] !== undefined) out.push({ kind: 'question', value: '?', caps: false, run: m[6].length });
    else if (m[7] !== undefined) out.push({ kind: 'stop', value: '.', caps: false, run: 1 });
  }
  return out;
}

const CLAUSE_WORDS = new Set(['and', 'also', 'plus', 'but', 'then', 'however', 'btw', 'otherwise']);

/** Words split into clauses at sentence ends and at "and", "also", "but"… (for several needs in one message). */
export function clauses(tokens: Token[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'word') {
      if (CLAUSE_WORDS.has(t.value)) {
        if (cur.length > 0) out.push(cur);
        cur = [];
      } else cur.push(t.value);
    } else if (t.kind === 'stop' || t.kind === 'bang' || t.kind === 'question') {
      if (cur.length > 0) out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Lower-case words only (for needs and language). */
export function words(tokens: Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) if (t.kind === 'word') out.push(t.value);
  return out;
}
