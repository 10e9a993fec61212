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
  /** A word that follows a comma (a clause may start here); set only when true. */
  comma?: true;
}

// Order matters: shortcodes before emoticons (":smile:" is not ":s"), emoticons only between spaces.
const TOKEN_RE =
  /(:[a-z0-9_+-]{1,40}:)|((?<=^|\s)(?:[:;=8][-'^o]?[)(\]\[dDpP/\\|*3oOxX@$]+|[)(\]\[dD][-'^]?[:;=8]|<\/?3+|\^[_.-]?\^|-_-|[tT]_[tT]|[xX][dD]+|[:;]['’]-?\()(?=$|\s|[.,!?]))|([\p{L}\p{N}]+(?:['’][\p{L}]+)*)|(\p{Extended_Pictographic}|[\u{1F1E6}-\u{1F1FF}]{2})|(!+)|(\?+)|([.;\n]+)|(,(?!\d))/gu;

const ASCII = /^[\x00-\x7F]*$/;
const EMOTICON = /^(?:[:;=8][-'^o]?[)(\]\[dDpP/\\|*3oOxX@$]+|[)(\]\[dD][-'^]?[:;=8]|<\/?3+|\^[_.-]?\^|-_-|[tT]_[tT]|[xX][dD]+|[:;]'-?\()$/;

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/** A hand-written scanner for plain ASCII text: the same tokens as TOKEN_RE, several times faster. */
function tokenizeAscii(text: string, out: Token[]): void {
  const n = text.length;
  let i = 0;
  let comma = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 44) {
      // A comma not inside a number ("1,000").
      const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (!(d >= 48 && d <= 57)) comma = true;
      i++;
      continue;
    }
    // An emoticon is a whole chunk between spaces (trailing . , ! ? allowed).
    if (i === 0 || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 10) {
      let j = i;
      while (j < n && text.charCodeAt(j) !== 32 && text.charCodeAt(j) !== 10) j++;
      let k = j;
      while (k > i + 1 && /[.,!?]/.test(text[k - 1]!)) k--;
      if (k - i >= 2 && k - i <= 6) {
        const chunk = text.slice(i, k);
        if (EMOTICON.test(chunk) && !/^[A-Za-z]+$/.test(chunk.replace(/^[xX][dD]+$/, '1'))) {
          out.push({ kind: 'emoticon', value: chunk, caps: false, run: 1 });
          i = k;
          continue;
        }
      }
    }
    if (isWordChar(c)) {
      let j = i + 1;
      for (;;) {
        while (j < n && isWordChar(text.charCodeAt(j))) j++;
        if (j + 1 < n && text.charCodeAt(j) === 39 && isWordChar(text.charCodeAt(j + 1))) {
          j += 2;
          continue;
        }
        break;
      }
      const raw = text.slice(i, j);
      const lower = raw.toLowerCase();
      const caps = raw.length >= 2 && raw !== lower && raw === raw.toUpperCase();
      if (comma) {
        out.push({ kind: 'word', value: lower, caps, run: 1, comma: true });
        comma = false;
      } else out.push({ kind: 'word', value: lower, caps, run: 1 });
      i = j;
      continue;
    }
    if (c === 58) {
      // :shortcode:
      let j = i + 1;
      while (j < n && j - i <= 41) {
        const d = text.charCodeAt(j);
        if ((d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 95 || d === 43 || d === 45) j++;
        else break;
      }
      if (j < n && j > i + 1 && text.charCodeAt(j) === 58) {
        const name = text.slice(i + 1, j);
        if (!name.startsWith('skin-tone')) out.push({ kind: 'shortcode', value: name, caps: false, run: 1 });
        i = j + 1;
        continue;
      }
      i++;
      continue;
    }
    if (c === 33 || c === 63) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) === c) j++;
      out.push({ kind: c === 33 ? 'bang' : 'question', value: c === 33 ? '!' : '?', caps: false, run: j - i });
      i = j;
      continue;
    }
    if (c === 46 || c === 59 || c === 10) {
      let j = i + 1;
      while (j < n && (text.charCodeAt(j) === 46 || text.charCodeAt(j) === 59 || text.charCodeAt(j) === 10)) j++;
      out.push({ kind: 'stop', value: '.', caps: false, run: 1 });
      i = j;
      continue;
    }
    i++;
  }
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  if (ASCII.test(text)) {
    tokenizeAscii(text, out);
    return out;
  }
  let comma = false;
  for (const m of text.matchAll(TOKEN_RE)) {
    if (m[8] !== undefined) comma = true;
    else if (m[1] !== undefined) {
      const name = m[1].slice(1, -1).toLowerCase();
      if (!name.startsWith('skin-tone')) out.push({ kind: 'shortcode', value: name, caps: false, run: 1 });
    } else if (m[2] !== undefined) out.push({ kind: 'emoticon', value: m[2], caps: false, run: 1 });
    else if (m[3] !== undefined) {
      const raw = m[3].replace(/’/g, "'");
      const lower = raw.toLowerCase();
      const caps = raw.length >= 2 && raw !== lower && raw === raw.toUpperCase();
      if (comma) {
        out.push({ kind: 'word', value: lower, caps, run: 1, comma: true });
        comma = false;
      } else out.push({ kind: 'word', value: lower, caps, run: 1 });
    } else if (m[4] !== undefined) out.push({ kind: 'emoji', value: m[4], caps: false, run: 1 });
    else if (m[5] !== undefined) out.push({ kind: 'bang', value: '!', caps: false, run: m[5].length });
    else if (m[6] !== undefined) out.push({ kind: 'question', value: '?', caps: false, run: m[6].length });
    else if (m[7] !== undefined) out.push({ kind: 'stop', value: '.', caps: false, run: 1 });
  }
  return out;
}

// "so", "because" and "please" also start a new request more often than not ("charged twice please refund me").
const CLAUSE_WORDS = new Set(['and', 'also', 'plus', 'but', 'then', 'however', 'btw', 'otherwise', 'so', 'because', 'cuz', 'coz', 'please', 'pls', 'plz']);

/** Words split into clauses at sentence ends, commas and "and", "also", "but"… (for several needs in one message). */
export function clauses(tokens: Token[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'word') {
      if (CLAUSE_WORDS.has(t.value)) {
        if (cur.length > 0) out.push(cur);
        cur = [];
      } else {
        if (t.comma && cur.length > 0) {
          out.push(cur);
          cur = [];
        }
        cur.push(t.value);
      }
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
