// /customer link|unlink, /resolve and the ✅ reaction, through signed HTTP into the real Bolt app.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Conversation, Message } from '../../src/db/models.js';
import { REFUSAL } from '../../adapters/slack/commands.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
const roots: string[] = [];

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  await h.startAdapter();
  for (const user of ['UCUST1', 'UCUST2', 'UCUST1']) {
    const ts = slackTs(new Date(Date.now() - (5 - roots.length) * 3600_000));
    roots.push(ts);
    expect((await h.sendEvent({ type: 'message', channel: SUPPORT, user, ts, text: `question ${roots.length} about my invoice` })).status).toBe(200);
  }
  await Promise.all(roots.map((ts) => h.p.waitForTag(messageKey('slack', TEAM, SUPPORT, ts), 0)));
});
afterAll(async () => {
  await h?.close();
});

async function ask(command: string, text: string, user = 'UAGENT1'): Promise<Record<string, unknown>> {
  const res = await h.command(command, text, user);
  expect(res.status).toBe(200);
  return (await h.fake.waitForResponse(res.responseId)).body;
}

async function conversationOf(ts: string): Promise<string> {
  return (await Message.findById(messageKey('slack', TEAM, SUPPORT, ts)).lean())!.conversationId!;
}

/** Sends a reaction_added event, as Slack documents it. */
async function react(user: string, ts: string, reaction = 'white_check_mark'): Promise<void> {
  const res = await h.sendEvent({ type: 'reaction_added', user, reaction, item_user: 'UCUST1', item: { type: 'message', channel: SUPPORT, ts }, event_ts: `${Date.now() / 1000}`, channel_type: undefined, id: randomBytes(3).toString('hex') });
  expect(res.status).toBe(200);
}

describe('/customer', () => {
  it('links two Slack users into one customer, shown by /history, and unlinks again', async () => {
    const linked = await ask('/customer', 'link <@UCUST1|carol> <@UCUST2|dave>');
    expect(linked.text).toMatch(/^Linked 2 accounts into one customer/);
    let history = JSON.stringify(await ask('/history', '<@UCUST1|carol>'));
    expect(history).toContain('<@UCUST2>');
    const unlinked = await ask('/customer', 'unlink <@UCUST2>');
    expect(unlinked.text).toMatch(/^Unlinked slack:T1234:UCUST2/);
    history = JSON.stringify(await ask('/history', '<@UCUST1|carol>'));
    expect(history).not.toContain('<@UCUST2>');
  });

  it('explains the usage and refuses non-agents', async () => {
    expect((await ask('/customer', 'link <@UCUST1>')).text).toMatch(/^Usage: `\/customer link/);
    expect((await ask('/customer', 'link <@UCUST1> <!channel>')).text).toContain('“&lt;!channel&gt;” is not an @mention');
    expect((await ask('/customer', 'link <@UCUST1> <@UCUST2>', 'UCUST1')).text).toBe(REFUSAL);
  });
});

describe('resolving', () => {
  it('/resolve with a message link resolves the conversation', async () => {
    const link = `https://acme.slack.com/archives/${SUPPORT}/p${roots[0]!.replace('.', '')}`;
    expect((await ask('/resolve', link)).text).toBe(':white_check_mark: Conversation resolved.');
    expect((await Conversation.findById(await conversationOf(roots[0]!)).lean())?.status).toBe('resolved');
    expect((await ask('/resolve', link)).text).toBe('That conversation was already resolved.');
    expect((await ask('/resolve', 'not a link')).text).toMatch(/^Usage: `\/resolve/);
  });

  it('an agent’s ✅ resolves; a customer’s ✅ does not', async () => {
    await react('UCUST2', roots[1]!);
    expect((await Conversation.findById(await conversationOf(roots[1]!)).lean())?.status).not.toBe('resolved');
    await react('UAGENT2', roots[1]!);
    expect((await Conversation.findById(await conversationOf(roots[1]!)).lean())?.status).toBe('resolved');
  });
});
