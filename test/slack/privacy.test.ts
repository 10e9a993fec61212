// `/customer export` and `/customer forget` through signed HTTP into the real Bolt app: export sends exactly the
// customer's history as a JSON file into the agent's DM (files.getUploadURLExternal → upload →
// files.completeUploadExternal on the fake); forget is for admins only, asks for confirmation with a button
// (a signed block_actions request), and never reaches another workspace's customer.
import { randomBytes } from 'node:crypto';
import { stringify } from 'node:querystring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Customer, Message } from '../../src/db/models.js';
import { REFUSAL } from '../../adapters/slack/commands.js';
import { FORGET_CANCEL, FORGET_CONFIRM, NOT_ADMIN } from '../../adapters/slack/privacy.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
const CAROL = `slack:${TEAM}:UCUST1`;
const OTHER = 'slack:T9999:UFOREIGN';
const carolKeys: string[] = [];
let daveKey = '';

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  h.fake.usergroups.set('S0ADMINS', ['UAGENT2']);
  await h.startAdapter({}, { adminUsergroups: ['S0ADMINS'], adminUsers: [] });
  const root = slackTs(new Date(Date.now() - 3 * 3600_000));
  const reply = slackTs(new Date(Date.now() - 2 * 3600_000));
  const dave = slackTs(new Date(Date.now() - 3600_000));
  for (const ev of [
    { user: 'UCUST1', ts: root, text: 'My export to CSV fails' },
    { user: 'UAGENT1', ts: reply, text: 'Fixed, try again', thread_ts: root },
    { user: 'UCUST2', ts: dave, text: 'How do I add a seat?' },
  ]) {
    expect((await h.sendEvent({ type: 'message', channel: SUPPORT, ...ev })).status).toBe(200);
  }
  carolKeys.push(messageKey('slack', TEAM, SUPPORT, root), messageKey('slack', TEAM, SUPPORT, reply));
  daveKey = messageKey('slack', TEAM, SUPPORT, dave);
  await Promise.all([...carolKeys, daveKey].map((k) => h.p.waitForTag(k, 0)));
  // A customer of another workspace (as if another install shared this database).
  await h.p.capture.capture({
    kind: 'new', platform: 'slack', workspaceId: 'T9999', channelId: 'C9', messageId: slackTs(), threadId: null,
    author: { userId: 'UFOREIGN', name: 'Frank Foreign', role: 'customer', email: 'frank@elsewhere.test' }, text: 'hello', ts: new Date(),
  });
});
afterAll(async () => {
  await h?.close();
});

async function ask(text: string, user: string): Promise<Record<string, any>> {
  const res = await h.command('/customer', text, user);
  expect(res.status).toBe(200);
  return (await h.fake.waitForResponse(res.responseId)).body;
}

/** Clicks a button of the forget prompt: a signed block_actions request as Slack documents it. */
async function click(actionId: string, value: string, user: string): Promise<Record<string, any>> {
  const responseId = randomBytes(6).toString('hex');
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: slackTs(), channel_id: SUPPORT, is_ephemeral: true },
    trigger_id: `${Date.now()}.1234.abcdef`,
    team: { id: TEAM, domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: SUPPORT, name: 'support' },
    response_url: h.fake.responseUrl(responseId),
    actions: [{ action_id: actionId, block_id: 'customer_forget', text: { type: 'plain_text', text: 'Forget for good' }, value, type: 'button', action_ts: `${Date.now() / 1000}` }],
    state: { values: {} },
  };
  const res = await h.post(stringify({ payload: JSON.stringify(payload) }), 'application/x-www-form-urlencoded');
  expect(res.status).toBe(200);
  return (await h.fake.waitForResponse(responseId)).body;
}

describe('/customer export', () => {
  it('sends exactly the customer’s history as a JSON file into the agent’s DM', async () => {
    const answer = await ask('export <@UCUST1|carol>', 'UAGENT1');
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toBe('Exported *Carol Customer* (1 conversation, 2 messages): the JSON file is in your direct messages with this app.');
    const files = [...h.fake.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ completed: true, channelId: 'DAGENT1', filename: 'customer-slack_T1234_UCUST1.json' });
    const data = JSON.parse(files[0]!.content!) as { customer: { _id: string }; conversations: Array<{ _id: string }>; messages: Array<{ _id: string; text: string }> };
    expect(data.customer._id).toBe(CAROL);
    expect(data.conversations.map((c) => c._id)).toEqual([carolKeys[0]]);
    expect(data.messages.map((m) => [m._id, m.text])).toEqual([
      [carolKeys[0], 'My export to CSV fails'],
      [carolKeys[1], 'Fixed, try again'],
    ]);
    expect(h.fake.callsOf('files.getUploadURLExternal')).toHaveLength(1);
  });

  it('refuses non-agents and other workspaces’ customers', async () => {
    expect((await ask('export <@UCUST1>', 'UCUST2')).text).toBe(REFUSAL);
    expect((await ask(`export ${OTHER}`, 'UAGENT1')).text).toBe(`Could not do that: ${OTHER} is not a customer of this workspace`);
    expect((await ask('export frank@elsewhere.test', 'UAGENT1')).text).toBe('Could not do that: no customer of this workspace has the email frank@elsewhere.test');
    expect(h.fake.files.size).toBe(1);
  });
});

describe('/customer forget', () => {
  it('refuses non-admin agents and non-agents; deletes nothing', async () => {
    expect((await ask('forget <@UCUST1>', 'UAGENT1')).text).toBe(NOT_ADMIN);
    expect((await ask('forget <@UCUST1>', 'UCUST2')).text).toBe(REFUSAL);
    // A forged click by a non-admin agent is refused too (the click is checked, not only the command).
    expect((await click(FORGET_CONFIRM, JSON.stringify({ c: CAROL }), 'UAGENT1')).text).toBe(NOT_ADMIN);
    expect((await click(FORGET_CONFIRM, JSON.stringify({ c: CAROL }), 'UCUST2')).text).toBe(REFUSAL);
    expect(await Customer.exists({ _id: CAROL })).not.toBeNull();
    expect(await Message.countDocuments({ _id: { $in: carolKeys } })).toBe(2);
  });

  it('an admin cannot forget another workspace’s customer', async () => {
    expect((await ask(`forget ${OTHER}`, 'UAGENT2')).text).toBe(`Could not do that: ${OTHER} is not a customer of this workspace`);
    expect((await click(FORGET_CONFIRM, JSON.stringify({ c: OTHER }), 'UAGENT2')).text).toBe(`Could not do that: ${OTHER} is not a customer of this workspace`);
    expect(await Customer.exists({ _id: OTHER })).not.toBeNull();
  });

  it('an admin is asked to confirm, may cancel, and on Confirm the customer is gone', async () => {
    const prompt = await ask('forget <@UCUST1|carol>', 'UAGENT2');
    expect(prompt.text).toContain('Forget Carol Customer (slack:T1234:UCUST1)? This deletes their record, 1 conversation and 2 messages for good');
    const actions = (prompt.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')!;
    const confirm = actions.elements.find((e: any) => e.action_id === FORGET_CONFIRM);
    expect(confirm).toMatchObject({ type: 'button', style: 'danger', confirm: { style: 'danger' } });
    expect(await Customer.exists({ _id: CAROL })).not.toBeNull();

    const cancelled = await click(FORGET_CANCEL, 'cancel', 'UAGENT2');
    expect(cancelled).toMatchObject({ text: 'Nothing was deleted.', replace_original: true });
    expect(await Customer.exists({ _id: CAROL })).not.toBeNull();

    const done = await click(FORGET_CONFIRM, confirm.value, 'UAGENT2');
    expect(done).toMatchObject({ replace_original: true, text: 'Forgot slack:T1234:UCUST1: 1 conversation and 2 messages deleted, counts adjusted.' });
    expect(await Customer.exists({ _id: CAROL })).toBeNull();
    expect(await Message.countDocuments({ _id: { $in: carolKeys } })).toBe(0);
    expect(await Message.exists({ _id: daveKey })).not.toBeNull();
    const history = await h.command('/history', '<@UCUST1>', 'UAGENT1');
    expect(JSON.stringify((await h.fake.waitForResponse(history.responseId)).body)).toContain('No customer matches');
    expect(JSON.stringify((await h.fake.waitForResponse((await h.command('/history', 'carol@customer.test', 'UAGENT1')).responseId)).body)).toContain('No customer matches');
  });
});
