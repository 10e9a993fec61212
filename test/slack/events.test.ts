// Slack events over signed HTTP into the real Bolt app, mounted on the project's HTTP server, against the
// loopback fake Web API; stored through the real capture pipeline on FerretDB/MongoDB.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { connectMongo } from '../../src/db/connection.js';
import { Conversation, Customer, Message } from '../../src/db/models.js';
import { slackTs } from '../fakes/slack-api.js';
import { SUPPORT, TEAM, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness(import.meta.filename);
  await h.startAdapter();
});
afterAll(async () => {
  await h?.close();
});

const key = (ts: string, channel = SUPPORT): string => messageKey('slack', TEAM, channel, ts);

function message(fields: Record<string, unknown>): Record<string, unknown> {
  return { type: 'message', channel: SUPPORT, ts: slackTs(), ...fields };
}

describe('signed requests into POST /slack/events', () => {
  it('handles a validly signed event and stores the message', async () => {
    const ev = message({ user: 'UCUST1', text: 'My invoice shows a double charge' });
    const res = await h.sendEvent(ev);
    expect(res.status).toBe(200);
    await h.p.drain(); // the worker places it: its conversation and customer
    const stored = await Message.findById(key(ev.ts as string)).lean();
    expect(stored).toMatchObject({
      platform: 'slack',
      workspaceId: TEAM,
      channelId: SUPPORT,
      text: 'My invoice shows a double charge',
      author: { userId: 'UCUST1', name: 'Carol Customer', role: 'customer' },
      source: 'live',
      permalink: `https://acme.slack.com/archives/${SUPPORT}/p${(ev.ts as string).replace('.', '')}`,
    });
    const conv = await Conversation.findById(stored!.conversationId).lean();
    expect(conv?.channelName).toBe('support');
    expect(await Customer.findById(`slack:${TEAM}:UCUST1`).lean()).toMatchObject({ email: 'carol@customer.test', name: 'Carol Customer' });
  });

  it('answers a url_verification challenge', async () => {
    const res = await h.post(JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' }), 'application/json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: 'c-123' });
  });

  it('rejects a bad signature with 401 and stores nothing', async () => {
    const ev = message({ user: 'UCUST1', text: 'forged' });
    const body = JSON.stringify({ type: 'event_callback', team_id: TEAM, event: ev, event_id: 'EvFORGED' });
    const res = await h.post(body, 'application/json', { secret: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(await Message.findById(key(ev.ts as string)).lean()).toBeNull();
  });

  it('rejects a stale timestamp (replay) even when correctly signed', async () => {
    const ev = message({ user: 'UCUST1', text: 'replayed' });
    const body = JSON.stringify({ type: 'event_callback', team_id: TEAM, event: ev, event_id: 'EvSTALE' });
    const res = await h.post(body, 'application/json', { at: Math.floor(Date.now() / 1000) - 10 * 60 });
    expect(res.status).toBe(401);
    expect(await Message.findById(key(ev.ts as string)).lean()).toBeNull();
  });

  it('rejects a request with no signature headers', async () => {
    const res = await fetch(`http://127.0.0.1:${h.port}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});

describe('message types', () => {
  it('captures a thread reply into the root conversation, with the agent role from the user group', async () => {
    const root = message({ user: 'UCUST2', text: 'The app crashes when I log in' });
    expect((await h.sendEvent(root)).status).toBe(200);
    const reply = message({ user: 'UAGENT1', text: 'Sorry about that, which version?', thread_ts: root.ts });
    expect((await h.sendEvent(reply)).status).toBe(200);
    const byGroup = message({ user: 'UAGENT2', text: 'Also checking the logs', thread_ts: root.ts });
    expect((await h.sendEvent(byGroup)).status).toBe(200);
    await h.p.drain();
    const r = await Message.findById(key(root.ts as string)).lean();
    const a = await Message.findById(key(reply.ts as string)).lean();
    const b = await Message.findById(key(byGroup.ts as string)).lean();
    expect(a).toMatchObject({ threadId: root.ts, conversationId: r!.conversationId, author: { role: 'agent', name: 'Alice Agent' }, customerId: `slack:${TEAM}:UCUST2` });
    expect(a?.permalink).toContain(`?thread_ts=${root.ts}&cid=${SUPPORT}`);
    expect(b?.author?.role).toBe('agent'); // listed in SLACK_AGENT_USERS
    const conv = await Conversation.findById(r!.conversationId).lean();
    expect(conv?.status).toBe('answered');
    expect(await Customer.exists({ _id: `slack:${TEAM}:UAGENT1` })).toBeNull();
  });

  it('applies an edit (message_changed) and a delete (message_deleted)', async () => {
    const orig = message({ user: 'UCUST1', text: 'Where is my ordr?' });
    await h.sendEvent(orig);
    const editTs = slackTs();
    const edit = {
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: SUPPORT,
      ts: editTs,
      message: { type: 'message', user: 'UCUST1', text: 'Where is my order?', ts: orig.ts, edited: { user: 'UCUST1', ts: editTs } },
      previous_message: { type: 'message', user: 'UCUST1', text: 'Where is my ordr?', ts: orig.ts },
    };
    expect((await h.sendEvent(edit)).status).toBe(200);
    let stored = await Message.findById(key(orig.ts as string)).lean();
    expect(stored).toMatchObject({ text: 'Where is my order?', rev: 1 });
    expect(stored?.editedAt).toBeInstanceOf(Date);

    const del = {
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: SUPPORT,
      ts: slackTs(),
      deleted_ts: orig.ts,
      previous_message: { type: 'message', user: 'UCUST1', text: 'Where is my order?', ts: orig.ts },
    };
    expect((await h.sendEvent(del)).status).toBe(200);
    stored = await Message.findById(key(orig.ts as string)).lean();
    expect(stored?.deletedAt).toBeInstanceOf(Date);
    expect(stored?.text).toBe('Where is my order?');
    expect(stored?.rev).toBe(2);
  });

  it('ignores an unfurl-only message_changed (no edit)', async () => {
    const orig = message({ user: 'UCUST1', text: 'see https://example.com' });
    await h.sendEvent(orig);
    const unfurl = {
      type: 'message',
      subtype: 'message_changed',
      channel: SUPPORT,
      ts: slackTs(),
      message: { type: 'message', user: 'UCUST1', text: 'see https://example.com', ts: orig.ts, attachments: [{ title: 'Example' }] },
      previous_message: { type: 'message', user: 'UCUST1', text: 'see https://example.com', ts: orig.ts },
    };
    expect((await h.sendEvent(unfurl)).status).toBe(200);
    expect((await Message.findById(key(orig.ts as string)).lean())?.rev).toBe(0);
  });

  it('captures a file share as name, type and size only', async () => {
    const ev = message({
      subtype: 'file_share',
      user: 'UCUST1',
      text: 'screenshot of the error',
      files: [{ id: 'F0001', name: 'error.png', title: 'error', filetype: 'png', mimetype: 'image/png', size: 48213, url_private: 'https://files.slack.com/secret/error.png' }],
    });
    expect((await h.sendEvent(ev)).status).toBe(200);
    const stored = await Message.findById(key(ev.ts as string)).lean();
    expect(stored?.attachments).toEqual([{ name: 'error.png', type: 'png', size: 48213 }]);
    expect(JSON.stringify(stored)).not.toContain('files.slack.com');
  });

  it('captures a bot message with role bot and creates no customer for it', async () => {
    const ev = message({ subtype: 'bot_message', bot_id: 'B0STATUS', username: 'StatusPage', text: 'Incident resolved' });
    expect((await h.sendEvent(ev)).status).toBe(200);
    const stored = await Message.findById(key(ev.ts as string)).lean();
    expect(stored?.author).toMatchObject({ userId: 'B0STATUS', role: 'bot', name: 'StatusPage' });
    expect(await Customer.exists({ _id: `slack:${TEAM}:B0STATUS` })).toBeNull();
  });

  it('treats a Slack Connect user from another organisation as a customer, even when listed as an agent', async () => {
    h.fake.usergroups.set('S0AGENTS', ['UAGENT1', 'WEXT1']);
    h.adapter.directory.invalidateAgents();
    const ev = message({ user: 'WEXT1', user_team: 'TOTHERORG', source_team: 'TOTHERORG', text: 'Our integration stopped syncing' });
    expect((await h.sendEvent(ev)).status).toBe(200);
    await h.p.drain();
    const stored = await Message.findById(key(ev.ts as string)).lean();
    expect(stored?.author?.role).toBe('customer');
    const customer = await Customer.findById(`slack:${TEAM}:WEXT1`).lean();
    expect(customer).toMatchObject({ external: true, name: 'Erin External', email: 'erin@partner.test' });
    h.fake.usergroups.set('S0AGENTS', ['UAGENT1']);
    h.adapter.directory.invalidateAgents();
  });

  it('stores a redelivery (X-Slack-Retry-Num) and a duplicate delivery once', async () => {
    const ev = message({ user: 'UCUST2', text: 'Is there an outage?' });
    const first = await h.sendEvent(ev);
    const retry = await h.sendEvent(ev, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    const dup = await h.sendEvent(ev);
    expect([first.status, retry.status, dup.status]).toEqual([200, 200, 200]);
    expect(await Message.countDocuments({ messageId: ev.ts })).toBe(1);
    const stored = await Message.findById(key(ev.ts as string)).lean();
    const jobs = await h.p.queues.tag.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.data.messageKey === stored!._id)).toHaveLength(1);
  });

  it('ignores joins, topic changes and channels that are not support channels', async () => {
    const join = message({ subtype: 'channel_join', user: 'UCUST1', text: '<@UCUST1> has joined the channel' });
    const topic = message({ subtype: 'channel_topic', user: 'UCUST1', text: 'set the topic', topic: 'x' });
    const elsewhere = message({ channel: 'C0RANDOM', user: 'UCUST1', text: 'lunch?' });
    for (const ev of [join, topic, elsewhere]) expect((await h.sendEvent(ev)).status).toBe(200);
    expect(await Message.findById(key(join.ts as string)).lean()).toBeNull();
    expect(await Message.findById(key(topic.ts as string)).lean()).toBeNull();
    expect(await Message.findById(key(elsewhere.ts as string, 'C0RANDOM')).lean()).toBeNull();
  });

  it('fetches each profile once (users.info is cached)', async () => {
    const before = h.fake.callsOf('users.info').filter((c) => c.params.user === 'UCUST1').length;
    expect(before).toBe(1);
    await h.sendEvent(message({ user: 'UCUST1', text: 'one more question' }));
    expect(h.fake.callsOf('users.info').filter((c) => c.params.user === 'UCUST1')).toHaveLength(1);
  });
});

describe('storage failure', () => {
  it('answers 500 while the database is down, so Slack redelivers; the redelivery is stored once', async () => {
    const ev = message({ user: 'UCUST1', text: 'Sent while the database was down' });
    const dbName = mongoose.connection.db!.databaseName;
    await mongoose.disconnect();
    mongoose.set('bufferTimeoutMS', 300);
    try {
      const res = await h.sendEvent(ev);
      expect(res.status).toBe(500);
    } finally {
      await connectMongo(h.p.env.mongoUrl, h.p.env.log, { dbName });
    }
    const retry = await h.sendEvent(ev, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' });
    expect(retry.status).toBe(200);
    expect(await Message.countDocuments({ messageId: ev.ts })).toBe(1);
  });
});
