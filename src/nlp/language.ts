// Which language a message is written in (pure once constructed).
//
// Latin-script languages are told apart by natural's stop-word lists (each word counts for every language that
// lists it, split between them), with a few greetings and a small German list natural lacks; other scripts by
// their Unicode block. Short or ambiguous texts stay English: most support chat is, and a one-word "ok" has no
// language of its own.
import { naturalStopwords } from './natural.js';

const LATIN = ['en', 'es', 'pt', 'fr', 'it', 'nl', 'de', 'sv', 'no', 'pl', 'id'] as const;

// Function words natural has no list for (German), and greetings/thanks that open many short messages.
const EXTRA: Record<string, string[]> = {
  de: ['der', 'die', 'das', 'und', 'ist', 'nicht', 'ich', 'sie', 'es', 'ein', 'eine', 'mit', 'auf', 'für', 'mein', 'meine', 'bitte', 'danke', 'hallo', 'ich', 'habe', 'kann', 'wie', 'wo', 'warum', 'noch', 'keine', 'kein', 'wurde', 'ihr', 'zu', 'den', 'dem', 'von', 'auch', 'aber', 'schon', 'sehr', 'gut', 'schlecht', 'bestellung', 'hilfe'],
  es: ['hola', 'gracias', 'por', 'favor', 'pedido', 'ayuda', 'necesito', 'quiero', 'mi', 'muy', 'está', 'estoy', 'tengo', 'puedo', 'cómo', 'dónde', 'buenos', 'días'],
  pt: ['olá', 'obrigado', 'obrigada', 'pedido', 'ajuda', 'preciso', 'quero', 'meu', 'minha', 'muito', 'está', 'não', 'você', 'bom', 'dia'],
  fr: ['bonjour', 'merci', 'salut', 'commande', 'aide', 'besoin', 'je', 'veux', 'mon', 'ma', 'très', "c'est", "j'ai", 'est', 'pas'],
  it: ['ciao', 'grazie', 'ordine', 'aiuto', 'bisogno', 'voglio', 'mio', 'mia', 'molto', 'sono', 'non', 'buongiorno'],
  nl: ['hallo', 'bedankt', 'dank', 'bestelling', 'hulp', 'nodig', 'mijn', 'heel', 'niet', 'goedemorgen'],
};

const SCRIPTS: Array<[RegExp, string]> = [
  [/[\u0400-\u04FF]/g, 'cyrillic'],
  [/[\u0600-\u06FF\u0750-\u077F]/g, 'ar'],
  [/[\u0590-\u05FF]/g, 'he'],
  [/[\u3040-\u30FF]/g, 'ja'],
  [/[\u4E00-\u9FFF]/g, 'zh'],
  [/[\uAC00-\uD7AF\u1100-\u11FF]/g, 'ko'],
  [/[\u0E00-\u0E7F]/g, 'th'],
  [/[\u0900-\u097F]/g, 'hi'],
  [/[\u0370-\u03FF]/g, 'el'],
];

const ASCII = /^[\x00-\x7F]*$/;
const LETTERS = /\p{L}/gu;

export class LanguageDetector {
  /** word → languages that list it. */
  private readonly lists = new Map<string, string[]>();

  /** `englishWord`: words known to be English (e.g. the training vocabulary) count as English evidence. */
  constructor(private readonly englishWord: (w: string) => boolean = () => false) {
    for (const lang of LATIN) {
      const words = new Set([...(naturalStopwords(lang) ?? []), ...(EXTRA[lang] ?? [])].map((w) => w.toLowerCase()));
      for (const w of words) {
        const l = this.lists.get(w);
        if (l) l.push(lang);
        else this.lists.set(w, [lang]);
      }
    }
  }

  /** ISO 639-1 code (or a script name when the language cannot be told, e.g. "cyrillic" → ru/uk decided below). */
  detect(text: string, words: string[]): string {
    // Fast path: plain ASCII can only be a Latin-script language.
    if (ASCII.test(text)) return words.length === 0 ? 'en' : this.latin(words);
    const letters = text.match(LETTERS)?.length ?? 0;
    if (letters === 0) return 'en';
    for (const [re, lang] of SCRIPTS) {
      const n = text.match(re)?.length ?? 0;
      if (n / letters > 0.3) {
        if (lang === 'cyrillic') return this.best(words, ['ru', 'uk']) ?? 'ru';
        if (lang === 'ja' || (lang === 'zh' && /[\u3040-\u30FF]/.test(text))) return 'ja';
        return lang;
      }
    }
    return this.latin(words);
  }

  private latin(words: string[]): string {
    const score = new Map<string, number>();
    for (const w of words) {
      const langs = this.lists.get(w);
      if (!langs) {
        if (w.length >= 3 && this.englishWord(w)) score.set('en', (score.get('en') ?? 0) + 1);
        continue;
      }
      for (const l of langs) score.set(l, (score.get(l) ?? 0) + 1 / langs.length);
    }
    const en = score.get('en') ?? 0;
    let best = 'en';
    let bestScore = en;
    for (const [l, s] of score) {
      if (s > bestScore) {
        best = l;
        bestScore = s;
      }
    }
    if (best === 'en') return 'en';
    // Another language must clearly lead English: at least one whole word's worth and 1.5× English.
    return bestScore >= 1 && bestScore > en * 1.5 ? best : 'en';
  }

  private best(words: string[], langs: string[]): string | null {
    let best: string | null = null;
    let bestN = 0;
    for (const l of langs) {
      const list = new Set(naturalStopwords(l) ?? []);
      const n = words.filter((w) => list.has(w)).length;
      if (n > bestN) {
        best = l;
        bestN = n;
      }
    }
    return best;
  }
}
