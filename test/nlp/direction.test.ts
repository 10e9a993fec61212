// A conversation's sentiment and direction from the customer's tagged messages.
import { describe, expect, it } from 'vitest';
import { conversationSentiment } from '../../src/nlp/direction.js';
import { loadTagger } from '../../src/nlp/tagger.js';

const tagger = loadTagger();
const msg = (text: string, minute: number, role: 'customer' | 'agent' = 'customer') => {
  const r = tagger.tag({ text, platform: 'slack', role });
  return { role, ts: new Date(Date.UTC(2026, 10, 23, 9, minute)), sentiment: r.sentiment, untaggedReason: r.untaggedReason };
};

describe('conversation sentiment', () => {
  it('flags a conversation that turned negative, from customer messages only', () => {
    const c = conversationSentiment([
      msg('hi, thanks for the quick help last time :)', 0),
      msg('happy to help!', 1, 'agent'),
      msg('where is my order', 2),
      msg('this is ridiculous, still nothing after two weeks!!', 30),
      msg('worst support ever 😡', 40),
    ]);
    expect(c.direction).toBe('worsening');
    expect(c.turnedNegative).toBe(true);
    expect(c.first).toBeGreaterThan(0);
    expect(c.last).toBeLessThan(0);
  });

  it('sees a conversation improve, and ignores untagged messages', () => {
    const c = conversationSentiment([
      msg('my package is lost and nobody answers :(', 0),
      msg('Здравствуйте, у меня не работает оплата', 1),
      msg('ok it arrived, thank you so much! 🎉', 50),
    ]);
    expect(c.direction).toBe('improving');
    expect(c.turnedNegative).toBe(false);
  });

  it('has no direction with fewer than two customer messages', () => {
    expect(conversationSentiment([msg('thanks!', 0)]).direction).toBe('unknown');
    expect(conversationSentiment([]).label).toBe('neutral');
  });
});
