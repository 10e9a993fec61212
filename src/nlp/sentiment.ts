// Sentiment of one message (pure once constructed).
//
// English: natural's AFINN-165 lexicon (with a few support-chat overrides), emoji and emoticons, scored with the
// rules that make lexicon sentiment work on chat (after VADER, Hutto & Gilbert 2014): intensifiers and
// dampeners, negation within three words, contrast ("but" weighs what follows), capitals in a mixed-case
// message, "!!!" and "??". The sum becomes a compound score in [-1, 1]. A trained linear layer (from the model
// file) then adds learned per-stem weights and re-weights the rule features.
// Other languages: natural's own lexicon for that language (AFINN, Senticon or Pattern) and its analyser.
import type { SentimentLabel } from '../domain/types.js';
import { emojiValence, emoticonValence, shortcodeValence } from './emoji.js';
import natural from './natural.js';
import type { Token } from './tokens.js';
import type { Sentiment } from './types.js';

/** VADER's cut-offs for three classes. */
export const POSITIVE_CUTOFF = 0.05;
export const NEGATIVE_CUTOFF = -0.05;

export function labelFor(score: number, pos = POSITIVE_CUTOFF, neg = NEGATIVE_CUTOFF): SentimentLabel {
  if (score > pos) return 'positive';
  if (score < neg) return 'negative';
  return 'neutral';
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

// Support chat: requests are not praise, and some product words are complaints.
const SUPPORT_OVERRIDES: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  help: 0, helps: 0, please: 0, pls: 0, plz: 0, hope: 1, sorry: 0, charged: -1, charge: 0, cancel: 0, support: 0,
  supported: 0, supports: 0, unhelpful: -2, unanswered: -2, ignored: -2,
  bug: -1, bugs: -1, buggy: -2, crashes: -2, crashing: -2, crashed: -2, glitch: -1, glitchy: -2, laggy: -2,
  slow: -1, late: -1, delayed: -1, stuck: -2, frozen: -2, freezes: -2, unusable: -3, unresponsive: -2,
  overcharged: -3, scam: -3, scammed: -3, ripoff: -3, waste: -2, wasted: -2, annoyed: -2, lol: 1, lmao: 1,
  thx: 2, ty: 2, tysm: 3, thanx: 2, thnx: 2, awsome: 4, gr8: 3, luv: 3, meh: -1, ugh: -2, argh: -2,
  wtf: -3, smh: -2, fixed: 1, works: 1, worked: 1, perfect: 3, finally: 0, again: 0, nvm: 0,
});

// Words whose negation signals a broken product even though they carry no sentiment of their own.
const FUNCTION_VERBS = new Set([
  'work', 'works', 'working', 'worked', 'load', 'loads', 'loading', 'open', 'opens', 'opening', 'respond',
  'responding', 'arrive', 'arrived', 'received', 'receive', 'sync', 'syncing', 'connect', 'connecting', 'start',
  'starting', 'send', 'sending', 'show', 'showing', 'help', 'helped', 'helpful', 'resolved', 'fixed',
]);

const BOOSTERS: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  absolutely: 0.293, amazingly: 0.293, awfully: 0.293, completely: 0.293, considerably: 0.293, decidedly: 0.293,
  deeply: 0.293, enormously: 0.293, entirely: 0.293, especially: 0.293, exceptionally: 0.293, extremely: 0.293,
  fabulously: 0.293, greatly: 0.293, highly: 0.293, hugely: 0.293, incredibly: 0.293, intensely: 0.293,
  majorly: 0.293, more: 0.293, most: 0.293, particularly: 0.293, purely: 0.293, quite: 0.293, really: 0.293,
  remarkably: 0.293, so: 0.293, substantially: 0.293, thoroughly: 0.293, totally: 0.293, tremendously: 0.293,
  uber: 0.293, unbelievably: 0.293, unusually: 0.293, utterly: 0.293, very: 0.293, super: 0.293, soo: 0.293,
  sooo: 0.293, soooo: 0.293, realy: 0.293, rly: 0.293, hella: 0.293, mega: 0.293, way: 0.15, too: 0.2,
  fucking: 0.293, freaking: 0.293, frickin: 0.293, damn: 0.293,
  almost: -0.293, barely: -0.293, hardly: -0.293, kinda: -0.293, kindof: -0.293, less: -0.293, little: -0.293,
  marginally: -0.293, occasionally: -0.293, partly: -0.293, scarcely: -0.293, slightly: -0.293,
  somewhat: -0.293, sorta: -0.293, sortof: -0.293, 'a bit': -0.293, fairly: -0.2, pretty: 0.1,
});

const NEGATORS = new Set([
  'not', 'no', 'never', 'neither', 'nor', 'none', 'nobody', 'nothing', 'nowhere', 'without', 'cannot', 'cant',
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont', 'wouldnt', 'couldnt', 'shouldnt',
  'havent', 'hasnt', 'hadnt', 'aint', 'nope', 'nah', 'neva', 'nt',
]);

const CONTRAST = new Set(['but', 'however', 'although', 'though', 'yet', 'except']);

export function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't");
}

/** The rule features of one English message, before the trained layer. */
export interface RuleScore {
  /** Sum of adjusted valences (AFINN scale). */
  sum: number;
  positive: number;
  negative: number;
  /** Items that carried a valence. */
  hits: number;
  /** compound = sum / sqrt(sum² + 15), in [-1, 1]. */
  compound: number;
}

const ALPHA = 15;

export class EnglishLexicon {
  private readonly lexicon: Map<string, number>;
  /** First words of the lexicon's two-word phrases ("can't stand", "not working"). */
  private readonly phraseStarts = new Set<string>();

  constructor() {
    const afinn = (new natural.SentimentAnalyzer('English', undefined, 'afinn') as unknown as { vocabulary: Record<string, number> }).vocabulary;
    this.lexicon = new Map(Object.entries(Object.assign(Object.create(null) as Record<string, number>, afinn, SUPPORT_OVERRIDES)));
    for (const k of this.lexicon.keys()) if (k.includes(' ')) this.phraseStarts.add(k.split(' ')[0]!);
  }

  word(w: string): number | undefined {
    const v = this.lexicon.get(w);
    if (v !== undefined) return v;
    if (/(.)\1\1/.test(w)) {
      // Elongated words: "soooo goooood" → "good".
      const two = w.replace(/(.)\1+/g, '$1$1');
      const one = w.replace(/(.)\1+/g, '$1');
      return this.lexicon.get(two) ?? this.lexicon.get(one);
    }
    return undefined;
  }

  phrase(a: string, b: string): number | undefined {
    return this.phraseStarts.has(a) ? this.lexicon.get(`${a} ${b}`) : undefined;
  }

  item(t: Token): number | undefined {
    switch (t.kind) {
      case 'word':
        return this.word(t.value);
      case 'emoji':
        return emojiValence(t.value);
      case 'emoticon':
        return emoticonValence(t.value);
      case 'shortcode': {
        const own = shortcodeValence(t.value);
        if (own !== undefined) return own;
        let sum = 0;
        let n = 0;
        for (const part of t.value.split(/[_-]+/)) {
          const v = this.lexicon.get(part);
          if (v !== undefined && v !== 0) {
            sum += v;
            n++;
          }
        }
        return n > 0 ? sum / n : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The rule-based score of a token list. */
  score(tokens: Token[]): RuleScore {
    const n = tokens.length;
    const vals = new Float64Array(n);
    const hasVal = new Uint8Array(n);
    let letters = 0;
    let capsWords = 0;
    for (const t of tokens) {
      if (t.kind === 'word' && /[a-z]/.test(t.value)) {
        letters++;
        if (t.caps) capsWords++;
      }
    }
    const mixedCase = capsWords > 0 && capsWords < letters;
    let contrastAt = -1;
    let bangs = 0;
    let questions = 0;
    for (let i = 0; i < n; i++) {
      const t = tokens[i]!;
      if (t.kind === 'bang') {
        bangs += t.run;
        continue;
      }
      if (t.kind === 'question') {
        questions += t.run;
        continue;
      }
      if (t.kind === 'word' && CONTRAST.has(t.value)) contrastAt = i;
      let v: number | undefined;
      if (t.kind === 'word' && i + 1 < n && tokens[i + 1]!.kind === 'word') {
        v = this.phrase(t.value, tokens[i + 1]!.value);
      }
      if (v === undefined) v = this.item(t);
      if (t.kind === 'word' && (v === undefined || v === 0) && FUNCTION_VERBS.has(t.value)) {
        // "doesn't work", "won't load": negative only when negated.
        if (this.negatedBefore(tokens, i)) {
          vals[i] = -1.5;
          hasVal[i] = 1;
        }
        continue;
      }
      if (v === undefined || v === 0) continue;
      if (t.kind === 'word' && BOOSTERS[t.value] !== undefined) continue; // "so", "pretty" as boosters
      if (t.caps && mixedCase) v += Math.sign(v) * 0.733;
      let k = 0;
      for (let j = i - 1; j >= 0 && k < 3; j--) {
        const p = tokens[j]!;
        if (p.kind !== 'word') {
          if (p.kind === 'bang' || p.kind === 'question') break;
          continue;
        }
        k++;
        const b = BOOSTERS[p.value];
        if (b !== undefined) {
          let s = b * [1, 0.95, 0.9][k - 1]!;
          if (p.caps && mixedCase) s += Math.sign(b) * 0.733;
          v += Math.sign(v) * s * (Math.abs(v) > 0 ? 1 : 0);
        }
        if (isNegator(p.value)) v *= -0.74;
      }
      vals[i] = v;
      hasVal[i] = 1;
    }
    let sum = 0;
    let positive = 0;
    let negative = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      if (!hasVal[i]) continue;
      let v = vals[i]!;
      if (contrastAt >= 0) v *= i < contrastAt ? 0.5 : 1.5;
      sum += v;
      hits++;
      if (v > 0) positive += v;
      else negative += v;
    }
    if (sum !== 0) {
      const ep = Math.min(bangs, 4) * 0.292;
      const qm = questions > 1 ? Math.min(questions, 3) * 0.18 : 0;
      sum += Math.sign(sum) * (ep + qm);
    }
    return { sum, positive, negative, hits, compound: sum / Math.sqrt(sum * sum + ALPHA) };
  }

  private negatedBefore(tokens: Token[], i: number): boolean {
    let k = 0;
    for (let j = i - 1; j >= 0 && k < 3; j--) {
      const p = tokens[j]!;
      if (p.kind !== 'word') continue;
      k++;
      if (isNegator(p.value)) return true;
    }
    return false;
  }
}

/**
 * The trained layer on top of the rules: score = compoundWeight·compound + bias + evidenceWeight·tanh(evidence /
 * evidenceScale), where evidence sums per-stem log-odds (positive vs negative) read out of a natural
 * BayesClassifier trained on labelled sentences.
 */
export interface LexiconSentimentLayer {
  kind?: 'lexicon';
  compoundWeight: number;
  evidenceScale: number;
  evidenceWeight: number;
  bias: number;
  stems: Record<string, number>;
  positiveCutoff: number;
  negativeCutoff: number;
  /**
   * When the rules found nothing with a sentiment (no lexicon word, emoji or emoticon), the stems alone must move
   * the score past ±silentCutoff: plain requests ("I need to change my address") stay neutral.
   */
  silentCutoff: number;
}

const OTHER_LEXICONS: Record<string, { language: string; type: string; scale: number }> = Object.assign(Object.create(null) as Record<string, { language: string; type: string; scale: number }>, {
  es: { language: 'Spanish', type: 'afinn', scale: 5 },
  pt: { language: 'Portuguese', type: 'afinn', scale: 5 },
  fr: { language: 'French', type: 'pattern', scale: 1 },
  it: { language: 'Italian', type: 'pattern', scale: 1 },
  nl: { language: 'Dutch', type: 'pattern', scale: 1 },
  de: { language: 'German', type: 'pattern', scale: 1 },
  ca: { language: 'Catalan', type: 'senticon', scale: 1 },
  gl: { language: 'Galician', type: 'senticon', scale: 1 },
  eu: { language: 'Basque', type: 'senticon', scale: 1 },
});

export function hasLexicon(language: string): boolean {
  return language === 'en' || language in OTHER_LEXICONS;
}

/** natural's own analyser for a language other than English; the per-word average becomes a score in [-1, 1]. */
export class ForeignSentiment {
  private readonly analysers = new Map<string, { a: InstanceType<typeof natural.SentimentAnalyzer>; scale: number }>();

  score(language: string, tokens: Token[]): Sentiment {
    const spec = OTHER_LEXICONS[language];
    if (!spec) throw new Error(`no sentiment lexicon for language "${language}"`);
    let entry = this.analysers.get(language);
    if (!entry) {
      entry = { a: new natural.SentimentAnalyzer(spec.language, undefined, spec.type), scale: spec.scale };
      this.analysers.set(language, entry);
    }
    const ws: string[] = [];
    let extra = 0;
    for (const t of tokens) {
      if (t.kind === 'word') ws.push(t.value);
      else {
        const v = t.kind === 'emoji' ? emojiValence(t.value) : t.kind === 'emoticon' ? emoticonValence(t.value) : t.kind === 'shortcode' ? shortcodeValence(t.value) : undefined;
        if (v !== undefined) extra += v / 5;
      }
    }
    // natural's getSentiment negates every word after a negation to the end of the text; here a negation
    // reaches the next two words only (same lexicon and negation list).
    const a = entry.a as unknown as { vocabulary: Record<string, number | undefined>; negations: string[] };
    let sum = 0;
    let negLeft = 0;
    for (const w of ws) {
      if (a.negations.includes(w)) {
        negLeft = 2;
        continue;
      }
      const v = Number(a.vocabulary[w] ?? 0);
      if (Number.isFinite(v) && v !== 0) sum += negLeft > 0 ? -v : v;
      if (negLeft > 0) negLeft--;
    }
    const raw = ws.length > 0 ? sum / ws.length : 0;
    const avg = raw / entry.scale + extra / Math.max(1, ws.length);
    const score = round3(Math.tanh(4 * avg));
    return { score, label: labelFor(score) };
  }
}

export const roundScore = round3;
