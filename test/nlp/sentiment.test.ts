// Sentiment rules (negation, intensifiers, contrast, shouting, emoji) and language handling, through the tagger.
import { describe, expect, it } from 'vitest';
import { loadTagger } from '../../src/nlp/tagger.js';
import { EnglishLexicon } from '../../src/nlp/sentiment.js';
import { tokenize } from '../../src/nlp/tokens.js';
import { normalizeChatText } from '../../src/nlp/normalize.js';

const tagger = loadTagger();
const tag = (text: string, platform: 'slack' | 'discord' = 'slack') => tagger.tag({ text, platform, role: 'customer' });
const rules = new EnglishLexicon();
const compound = (text: string, platform: 'slack' | 'discord' = 'slack') => rules.score(tokenize(normalizeChatText(text, platform))).compound;

describe('negation', () => {
  it('flips and damps a negated word', () => {
    expect(compound('the service is good')).toBeGreaterThan(0.3);
    expect(compound('the service is not good')).toBeLessThan(0);
    expect(compound("the service isn't good")).toBeLessThan(0);
    expect(compound('never happy with the service')).toBeLessThan(0);
    expect(tag('the service is not good').sentiment.label).toBe('negative');
  });

  it('reads a negated neutral verb as a broken product', () => {
    expect(compound('the app works')).toBeGreaterThanOrEqual(0);
    expect(compound("the app doesn't work")).toBeLessThan(0);
    expect(tag('export still not loading').sentiment.label).toBe('negative');
  });
});

describe('intensifiers, contrast and shouting', () => {
  it('intensifiers raise and dampeners lower', () => {
    expect(compound('this is very bad')).toBeLessThan(compound('this is bad'));
    expect(compound('this is slightly bad')).toBeGreaterThan(compound('this is bad'));
  });

  it('"but" weighs what follows', () => {
    expect(compound('the agent was nice but the product is terrible')).toBeLessThan(0);
    expect(compound('the product is terrible but the agent was great')).toBeGreaterThan(0);
  });

  it('capitals in a mixed-case message and "!!!" make it stronger', () => {
    expect(compound('this is TERRIBLE')).toBeLessThan(compound('this is terrible'));
    expect(compound('this is terrible!!!')).toBeLessThan(compound('this is terrible'));
  });
});

describe('emoji and emoticons', () => {
  it('carry sentiment on their own, as Unicode, shortcodes, custom emoji and emoticons', () => {
    expect(tag('👍').sentiment.label).toBe('positive');
    expect(tag('😡😡').sentiment.label).toBe('negative');
    expect(tag('order arrived :tada:').sentiment.label).toBe('positive');
    expect(tag('order still missing :rage:').sentiment.label).toBe('negative');
    expect(tag('thanks <:happy_cat:1077713284564389918>', 'discord').sentiment.score).toBeGreaterThan(0);
    expect(tag('my package is lost :(').sentiment.label).toBe('negative');
    expect(compound('ok :)')).toBeGreaterThan(compound('ok'));
  });
});

describe('support chat (issue 21)', () => {
  it('reads service failures as negative without sentiment words', () => {
    for (const t of ['flight delayed again', 'on hold for two hours', 'lost my bag', 'charged twice for one order', 'still not fixed', 'third email and no answer'])
      expect([t, tag(t).sentiment.label]).toEqual([t, 'negative']);
  });

  it('reads requests, questions and neutral reports as neutral', () => {
    for (const t of ['Can I change the email my invoices go to?', 'how do i export my data', 'please send me the invoice for may', 'my order number is 4412'])
      expect([t, tag(t).sentiment.label]).toEqual([t, 'neutral']);
    expect(tag('It also happens on the web version.').sentiment.label).not.toBe('positive');
  });

  it('does not let a closing thanks make a complaint positive', () => {
    expect(tag('still waiting for my refund, thanks').sentiment.label).toBe('negative');
    expect(tag('app still crashing. thanks').sentiment.label).toBe('negative');
  });

  it('reads a fixed problem as positive or neutral, never negative', () => {
    expect(tag('Never mind my deleted question, the update fixed it.').sentiment.label).not.toBe('negative');
    expect(tag('all good now, the update fixed it, thanks!').sentiment.label).toBe('positive');
  });
});

describe('languages', () => {
  it('tags Spanish and Portuguese with natural\'s lexicon for them, not as English', () => {
    const es = tag('hola, el servicio es muy malo y estoy muy enojado');
    expect(es.language).toBe('es');
    expect(es.untaggedReason).toBeNull();
    expect(es.sentiment.label).toBe('negative');
    expect(es.needs).toEqual([]);
    const pt = tag('obrigado, o atendimento foi excelente e muito bom');
    expect(pt.language).toBe('pt');
    expect(pt.sentiment.label).toBe('positive');
  });

  it('limits a negation to the words after it in other languages too', () => {
    expect(tag('die Bestellung ist nicht angekommen, sehr schlecht').sentiment.label).toBe('negative');
    expect(tag('el producto no es bueno y el servicio es malo').sentiment.label).toBe('negative');
  });

  it('marks a language without a lexicon untagged with the reason', () => {
    const ru = tag('Здравствуйте, у меня не работает оплата');
    expect(ru.language).toBe('ru');
    expect(ru.untaggedReason).toMatch(/no sentiment lexicon/);
    expect(ru.needs).toEqual([]);
    const ja = tag('注文がまだ届きません');
    expect(ja.language).toBe('ja');
    expect(ja.untaggedReason).toMatch(/no sentiment lexicon/);
  });

  it('keeps short English chat English', () => {
    for (const t of ['ok', 'thx', 'no', 'refund?', 'hi there', 'me too']) expect(tag(t).language).toBe('en');
  });

  it('marks a message with nothing but markup untagged', () => {
    const r = tag('<@U123> ```stack trace```');
    expect(r.untaggedReason).toMatch(/no words/);
  });
});
