// Chat markup as it arrives in real Slack event and Discord gateway payloads → the customer's own words.
import { describe, expect, it } from 'vitest';
import { normalizeChatText } from '../../src/nlp/normalize.js';
import { tokenize } from '../../src/nlp/tokens.js';

describe('Slack payload text', () => {
  it('drops user, group and channel mentions and keeps link labels', () => {
    // Shape of `event.text` from the Events API.
    const text = '<@U024BE7LH> <!subteam^S012ABC|@support> my invoice <https://acme.example/inv/42|INV-42> is wrong, see <#C024BE7LR|billing> <!here>';
    expect(normalizeChatText(text, 'slack')).toBe('my invoice INV-42 is wrong, see');
  });

  it('drops bare links, mailto links and plain URLs', () => {
    expect(normalizeChatText('check <https://status.example.com> and <mailto:a@b.co|a@b.co> or https://x.io/y?z=1 now', 'slack')).toBe('check and or now');
  });

  it('drops quoted replies (escaped &gt; as in event payloads) but keeps the reply', () => {
    const text = '&gt; Could you send the order number?\n&gt; Thanks!\nsure, it is 1234 and it still has not arrived';
    expect(normalizeChatText(text, 'slack')).toBe('sure, it is 1234 and it still has not arrived');
  });

  it('drops code blocks and inline code, unescapes entities, strips mrkdwn marks and keeps :emoji:', () => {
    const text = 'the export *still* fails :rage:\n```\nError: 500 at /api/export\n```\nwith `--force` too &amp; _again_ ~today~';
    expect(normalizeChatText(text, 'slack')).toBe('the export still fails :rage: with too & again today');
  });

  it('leaves snake_case and arithmetic alone', () => {
    expect(normalizeChatText('the field user_id is 2*3 wrong', 'slack')).toBe('the field user_id is 2*3 wrong');
  });
});

describe('Discord payload content', () => {
  it('drops user, role and channel mentions, keeps custom emoji names', () => {
    // Shape of `message.content` from the gateway.
    const text = '<@80351110224678912> <@!80351110224678912> <@&165511591545143296> in <#222197033908436994> thanks <:pepelove:1077713284564389918> <a:partyblob:396521773144866826>';
    expect(normalizeChatText(text, 'discord')).toBe('in thanks :pepelove: :partyblob:');
  });

  it('drops @everyone, timestamps, slash-command mentions and masked-link targets', () => {
    const text = '@everyone since <t:1618953630:R> the </refund:123456789012345678> command [docs](https://docs.example.com/x) fails';
    expect(normalizeChatText(text, 'discord')).toBe('since the command docs fails');
  });

  it('drops single-line quotes and a >>> quote to the end of the message', () => {
    expect(normalizeChatText('> is it fixed?\nno, still broken', 'discord')).toBe('no, still broken');
    expect(normalizeChatText('still broken\n>>> earlier message\nmore quoted', 'discord')).toBe('still broken');
  });

  it('strips markdown, spoilers, headers and subtext but keeps the words', () => {
    const text = '# Help\n**really** __annoyed__ ||spoiler text|| ~~old~~ *now*\n-# sent from mobile';
    expect(normalizeChatText(text, 'discord')).toBe('Help really annoyed spoiler text old now sent from mobile');
  });

  it('drops fenced code with a language tag', () => {
    expect(normalizeChatText('it crashes:\n```js\nthrow new Error("boom")\n```', 'discord')).toBe('it crashes:');
  });
});

describe('tokens', () => {
  it('keeps emoji, shortcodes, emoticons, shouting and punctuation runs', () => {
    const kinds = tokenize("I can't log in :( it's BROKEN!!! :rage: 😡 <3 why??").map((t) => `${t.kind}:${t.value}${t.caps ? '^' : ''}${t.run > 1 ? `x${t.run}` : ''}`);
    expect(kinds).toEqual(['word:i', "word:can't", 'word:log', 'word:in', 'emoticon::(', "word:it's", 'word:broken^', 'bang:!x3', 'shortcode:rage', 'emoji:😡', 'emoticon:<3', 'word:why', 'question:?x2']);
  });
});
