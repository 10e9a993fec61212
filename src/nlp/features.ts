// Words → needs features, built for real chat: contractions and chat shorthand expanded, misspellings corrected
// against the training vocabulary (candidates by symmetric deletion, ranked by natural's Damerau-Levenshtein
// distance and word frequency), Porter stems, stem bigrams, numbers folded (pure once constructed).
import natural from './natural.js';

// Chat shorthand and common misspellings seen in support channels → the word the training data uses. The default;
// a model carries its own table (data/needs/shorthand.json, extendable by a team) and uses that instead.
export const DEFAULT_SHORTHAND: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  u: 'you', ur: 'your', r: 'are', pls: 'please', plz: 'please', plez: 'please', thx: 'thanks', thnx: 'thanks',
  ty: 'thanks', tysm: 'thanks', thanx: 'thanks', acct: 'account', acc: 'account', accnt: 'account',
  pw: 'password', pwd: 'password', passwd: 'password', pword: 'password', msg: 'message', addr: 'address',
  sub: 'subscription', subs: 'subscription', unsub: 'unsubscribe', pmt: 'payment', pymt: 'payment',
  inv: 'invoice', amt: 'amount', cc: 'card', info: 'information', asap: 'soon', im: 'i am', ive: 'i have',
  dont: 'do not', doesnt: 'does not', didnt: 'did not', cant: 'cannot', wont: 'will not',
  isnt: 'is not', wasnt: 'was not', havent: 'have not', hasnt: 'has not', couldnt: 'could not', hv: 'have',
  wanna: 'want to', gonna: 'going to', gotta: 'have to', wat: 'what', wut: 'what', hw: 'how', abt: 'about',
  bc: 'because', cuz: 'because', coz: 'because', b4: 'before', tmrw: 'tomorrow', rn: 'now',
  prob: 'problem', probs: 'problems', pkg: 'package', pckg: 'package', sth: 'something', smth: 'something',
  ppl: 'people', yr: 'your', mgr: 'manager',
  hi: 'hi', hey: 'hey', yo: 'hey', sup: 'hey', lol: 'lol', ok: 'ok', k: 'ok', kk: 'ok', okey: 'ok',
});

const CONTRACTIONS: Array<[RegExp, string]> = [
  [/^(.+)n't$/, '$1 not'],
  [/^(.+)'re$/, '$1 are'],
  [/^(.+)'ve$/, '$1 have'],
  [/^(.+)'ll$/, '$1 will'],
  [/^(.+)'d$/, '$1 would'],
  [/^(.+)'m$/, '$1 am'],
  [/^(.+)'s$/, '$1'],
];

function expand(word: string, SHORTHAND: Record<string, string> = DEFAULT_SHORTHAND): string[] | null {
  if (!word.includes("'") && !word.includes('’') && SHORTHAND[word] === undefined) return null;
  let w = word.replace(/’/g, "'");
  if (w === "can't") return ['cannot'];
  if (w === "won't") return ['will', 'not'];
  if (w.includes("'")) {
    for (const [re, rep] of CONTRACTIONS) {
      if (re.test(w)) {
        w = w.replace(re, rep);
        break;
      }
    }
    w = w.replace(/'/g, '');
  }
  const parts = w.split(' ');
  const out: string[] = [];
  for (const p of parts) {
    const s = SHORTHAND[p];
    if (s) out.push(...s.split(' '));
    else if (p) out.push(p);
  }
  return out;
}

function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

// Function words carry no need on their own: they are no unigram features (they still form stem pairs, e.g.
// "money back", "log in"). natural's English stop words, less the ones that do mark a need.
const KEEP = new Set(['not', 'no', 'cannot', 'where', 'how', 'when', 'why', 'back', 'out', 'off', 'up', 'down', 'again', 'still']);
export const STOP_STEMS: ReadonlySet<string> = new Set(
  natural.stopwords.filter((w) => !KEEP.has(w)).map((w) => natural.PorterStemmer.stem(w)),
);

const NUMBER = /^\d[\d.,-]*$/;
const HAS_DIGIT = /\d/;

export interface FeatureOptions {
  /** Vocabulary for spelling correction (words seen in training, lower case, most frequent first); none = no correction. */
  vocabulary?: Iterable<string>;
  /** Add stem bigrams. */
  bigrams?: boolean;
  /** Shorthand → words (default DEFAULT_SHORTHAND). */
  shorthand?: Record<string, string>;
  /** Character n-gram lengths over each content word with boundary marks ("<word>"): robust to misspelling. */
  charNgrams?: number[];
}

/** Character n-grams of a word with its boundaries marked, as features "~gram". */
export function charGrams(word: string, sizes: readonly number[], into: string[] = []): string[] {
  const w = `<${word}>`;
  for (const n of sizes) for (let i = 0; i + n <= w.length; i++) into.push('~' + w.slice(i, i + n));
  return into;
}

/** A shorthand table from JSON: lower-case keys to words; anything else is an error. */
export function parseShorthand(raw: unknown, source = 'shorthand'): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: must be a JSON object of "short": "words"`);
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k.startsWith('_')) continue; // comments
    if (!/^[a-z0-9']+$/.test(k) || typeof v !== 'string' || !/^[a-z' ]+$/.test(v)) throw new Error(`${source}: "${k}" must map a lower-case token to lower-case words`);
    out[k] = v;
  }
  return out;
}

export class FeatureExtractor {
  private readonly known: Set<string>;
  private readonly deletes = new Map<string, string[]>();
  private readonly ranks = new Map<string, number>();
  private readonly corrections = new Map<string, string>();
  private readonly stems = new Map<string, string>();
  private readonly bigrams: boolean;
  readonly shorthand: Record<string, string>;
  readonly charNgrams: readonly number[];

  constructor(opts: FeatureOptions = {}) {
    this.shorthand = opts.shorthand ?? DEFAULT_SHORTHAND;
    this.charNgrams = opts.charNgrams ?? [];
    this.known = new Set(opts.vocabulary ?? []);
    for (const w of this.known) this.ranks.set(w, this.ranks.size);
    for (const w of this.known) {
      if (w.length < 3) continue;
      for (const d of [w, ...deletions(w)]) {
        const list = this.deletes.get(d);
        if (list) list.push(w);
        else this.deletes.set(d, [w]);
      }
    }
    this.bigrams = opts.bigrams ?? true;
  }

  /** The word as the training data would spell it (memoised; the memo is bounded). */
  correct(word: string): string {
    if (this.known.size === 0 || word.length < 4 || this.known.has(word) || HAS_DIGIT.test(word)) return word;
    const memo = this.corrections.get(word);
    if (memo !== undefined) return memo;
    let fixed = word;
    const squeezed = word.replace(/(.)\1{2,}/g, '$1$1');
    if (this.known.has(squeezed)) fixed = squeezed;
    else {
      // Candidates one edit away: the word itself or one of its deletions is a deletion of a known word.
      let best: string | null = null;
      let bestDist = 2;
      for (const d of [squeezed, ...deletions(squeezed)]) {
        for (const cand of this.deletes.get(d) ?? []) {
          const dist = natural.DamerauLevenshteinDistance(squeezed, cand, { restricted: true });
          if (dist < bestDist || (dist === bestDist && best !== null && this.rank(cand) < this.rank(best))) {
            best = cand;
            bestDist = dist;
          }
        }
      }
      if (best !== null && bestDist <= 1) fixed = best;
    }
    if (this.corrections.size > 50_000) this.corrections.clear();
    this.corrections.set(word, fixed);
    return fixed;
  }

  /** One of the `top` most frequent words of the training vocabulary. */
  knows(w: string, top = 3000): boolean {
    return (this.ranks.get(w) ?? Infinity) < top;
  }

  private rank(w: string): number {
    return this.ranks.get(w) ?? Infinity;
  }

  stem(word: string): string {
    let s = this.stems.get(word);
    if (s === undefined) {
      s = natural.PorterStemmer.stem(word);
      if (this.stems.size > 100_000) this.stems.clear();
      this.stems.set(word, s);
    }
    return s;
  }

  /** Normalised words of a message: contractions and shorthand expanded, numbers folded, spelling corrected. */
  normalWords(words: string[]): string[] {
    const out: string[] = [];
    for (const raw of words) {
      if (NUMBER.test(raw)) {
        out.push('#num');
        continue;
      }
      const ex = expand(raw, this.shorthand);
      if (ex === null) out.push(HAS_DIGIT.test(raw) ? '#num' : this.correct(raw));
      else for (const w of ex) out.push(HAS_DIGIT.test(w) ? '#num' : this.correct(w));
    }
    return out;
  }

  /** Features of normalised words: stems and, if enabled, adjacent stem pairs. */
  features(normal: string[]): string[] {
    const stems = normal.map((w) => (w === '#num' ? w : this.stem(w)));
    const out = new Set<string>();
    for (const s of stems) if (!STOP_STEMS.has(s)) out.add(s);
    if (this.bigrams) for (let i = 1; i < stems.length; i++) out.add(`${stems[i - 1]}_${stems[i]}`);
    if (this.charNgrams.length > 0) {
      const grams: string[] = [];
      for (let i = 0; i < normal.length; i++) if (normal[i] !== '#num' && !STOP_STEMS.has(stems[i]!)) charGrams(normal[i]!, this.charNgrams, grams);
      for (const g of grams) out.add(g);
    }
    return [...out];
  }
}

/** Words of a text for building the vocabulary: the same expansion as at tag time, without correction. */
export function vocabularyWords(words: string[], shorthand: Record<string, string> = DEFAULT_SHORTHAND): string[] {
  const out: string[] = [];
  for (const raw of words) for (const w of expand(raw, shorthand) ?? [raw]) if (!HAS_DIGIT.test(w)) out.push(w);
  return out;
}
