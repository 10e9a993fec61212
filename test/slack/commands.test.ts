// /history and /digest through signed HTTP into the real Bolt app: acknowledged at once, answered through
// response_url (recorded by the loopback fake), ephemeral, agents only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { REFUSAL } from '../../adapters/slack/commands.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
let carolRoot: string;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  await h.startAdapter();
  // Some history: Carol (by mention / email), Dave Díaz (by name), answered by an agent in a thread.
  const msgs = [
    { user: 'UCUST1', text: 'I was charged twice on my invoice this month', ts: slackTs(new Date(Date.now() - 3 * 3600_000)) },
    { user: 'UCUST2', text: 'How do I reset my password?', ts: slackTs(new Date(Date.now() - 2 * 3600_000)) },
  ];
  carolRoot = msgs[0]!.ts;
  msgs.push({ user: 'UAGENT1', text: 'Refund issued, sorry about that', ts: slackTs(new Date(Date.now() - 2.5 * 3600_000)), thread_ts: carolRoot } as never);
  for (const m of msgs) {
    const res = await h.sendEvent({ type: 'message', channel: SUPPORT, ...m });
    expect(res.status).toBe(200);
  }
  await Promise.all(msgs.map((m) => h.p.waitForTag(messageKey('slack', TEAM, SUPPORT, m.ts), 0)));
});
afterAll(async () => {
  await h?.close();
});

function answerText(body: Record<string, unknown>): string {
  return JSON.stringify(body);
}

describe('/history', () => {
  it('finds a customer by @mention: an empty ack, the summary ephemeral through response_url', async () => {
    const res = await h.command('/history', '<@UCUST1|carol>', 'UAGENT1');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const post = await h.fake.waitForResponse(res.responseId);
    expect(post.body.response_type).toBe('ephemeral');
    const blocks = post.body.blocks as Array<Record<string, unknown>>;
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'Customer: Carol Customer' } });
    const text = answerText(post.body);
    expect(text).toContain('carol@customer.test');
    expect(text).toContain(`<#${SUPPORT}>`);
    expect(text).toContain(`https://acme.slack.com/archives/${SUPPORT}/p${carolRoot.replace('.', '')}`); // permalink
    expect(text).toContain('billing');
    expect(text).toContain('answered');
  });

  it('finds a customer by email, plain or as Slack sends it (mailto link)', async () => {
    for (const q of ['carol@customer.test', '<mailto:Carol@Customer.test|Carol@Customer.test>']) {
      const res = await h.command('/history', q, 'UAGENT2');
      const post = await h.fake.waitForResponse(res.responseId);
      expect((post.body.blocks as Array<{ text?: { text?: string } }>)[0]?.text?.text, q).toBe('Customer: Carol Customer');
    }
  });

  it('finds a customer by name, accents ignored', async () => {
    const res = await h.command('/history', 'dave diaz', 'UAGENT1');
    const post = await h.fake.waitForResponse(res.responseId);
    expect((post.body.blocks as Array<{ text?: { text?: string } }>)[0]?.text?.text).toBe('Customer: Dave Díaz');
    expect(answerText(post.body)).toContain('account');
  });

  it('answers an unknown customer with a helpful message, not an error', async () => {
    const res = await h.command('/history', 'nobody by this name', 'UAGENT1');
    const post = await h.fake.waitForResponse(res.responseId);
    expect(post.body.response_type).toBe('ephemeral');
    expect(post.body.text).toMatch(/^No customer matches “nobody by this name” yet\. Try `\/history @user`/);
    const empty = await h.command('/history', '   ', 'UAGENT1');
    expect((await h.fake.waitForResponse(empty.responseId)).body.text).toMatch(/^Usage: `\/history @user`/);
  });

  it('refuses someone who is not an agent, politely and without any customer data', async () => {
    const res = await h.command('/history', 'carol@customer.test', 'UCUST2');
    expect(res.status).toBe(200);
    const post = await h.fake.waitForResponse(res.responseId);
    expect(post.body).toMatchObject({ response_type: 'ephemeral', text: REFUSAL });
    expect(answerText(post.body)).not.toMatch(/carol|Carol|invoice/);
  });
});

describe('/digest', () => {
  it("answers an agent with this week's digest", async () => {
    const res = await h.command('/digest', '', 'UAGENT2');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const post = await h.fake.waitForResponse(res.responseId);
    expect(post.body.response_type).toBe('ephemeral');
    const blocks = post.body.blocks as Array<{ type: string; text?: { text?: string } }>;
    expect(blocks[0]?.text?.text).toMatch(/^Support digest \d{4}-W\d{2}$/);
    expect(post.body.text).toMatch(/^Support digest \d{4}-W\d{2}: 2 conversations/);
  });

  it('refuses a non-agent', async () => {
    const res = await h.command('/digest', '', 'UCUST1');
    expect((await h.fake.waitForResponse(res.responseId)).body.text).toBe(REFUSAL);
  });

  it('posts the scheduled digest into a channel with chat.postMessage', async () => {
    const { buildDigest } = await import('../../src/digest/index.js');
    const digest = await buildDigest({ platform: 'slack', workspaceId: TEAM });
    await h.adapter.postDigest(TEAM, 'C0DIGEST', digest);
    const posted = h.fake.posted.find((p) => p.method === 'chat.postMessage' && p.params.channel === 'C0DIGEST');
    expect(posted?.params.text).toMatch(/^Support digest/);
    expect(Array.isArray(posted?.params.blocks)).toBe(true);
    await expect(h.adapter.postDigest('T9OTHER', 'C0DIGEST', digest)).rejects.toThrow(/belongs to workspace T1234/);
  });
});
