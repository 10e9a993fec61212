// The real discord.js client against the loopback fake: gateway events → capture → MongoDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Conversation, Message } from '../../src/db/models.js';
import { IDS, startDiscordFixture, TOKEN, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';

let f: DiscordFixture;

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename);
});
afterAll(async () => {
  await f?.close();
});

const key = (channelId: string, messageId: string) => messageKey('discord', IDS.guild, channelId, messageId);

describe('discord capture', () => {
  it('connects with the documented handshake: GET /gateway/bot, IDENTIFY with intents, token only in headers', () => {
    const gw = f.fake.callsTo('GET', /^\/gateway\/bot$/);
    expect(gw.length).toBeGreaterThanOrEqual(1);
    expect(gw[0]!.auth).toBe(true);
    const identify = f.fake.gateway.received.find((r) => r.op === 2)!.d as { intents: number };
    // Guilds (1) | GuildMessages (512) | GuildMessageReactions (1024) | MessageContent (32768): no other privileged intent
    expect(identify.intents).toBe(1 | 512 | 1024 | 32768);
    expect(f.fake.calls.every((c) => !JSON.stringify(c).includes(TOKEN))).toBe(true);
  });

  it('captures a customer message and an agent reply; roles come from member roles and listed ids', async () => {
    const q = f.fake.post(IDS.support, USERS.ada, 'I was charged twice on my invoice this month');
    const a = f.fake.post(IDS.support, USERS.al, 'Sorry about that, refunding now');
    const l = f.fake.post(IDS.support, USERS.listed, 'Refund sent');
    await f.capturedOf(l.id);
    const [mq, ma, ml] = await Promise.all([q, a, l].map((m) => Message.findById(key(IDS.support, m.id)).lean()));
    expect(mq).toMatchObject({ author: { userId: USERS.ada.id, name: 'Ada Lovelace', role: 'customer' }, text: q.content, source: 'live' });
    expect(mq?.threadId ?? null).toBeNull(); // FerretDB 1.24 leaves out fields set to null
    expect(ma?.author?.role).toBe('agent');
    expect(ml?.author?.role).toBe('agent');
    expect(ma?.conversationId).toBe(mq?.conversationId);
    const conv = await Conversation.findById(mq!.conversationId).lean();
    expect(conv).toMatchObject({ status: 'answered', customerId: `discord:${IDS.guild}:${USERS.ada.id}`, channelName: 'support' });
    expect(mq?.permalink).toBe(`https://discord.com/channels/${IDS.guild}/${IDS.support}/${q.id}`);
  });

  it('marks bots and webhooks as bot, and skips channels that are not support channels', async () => {
    const b = f.fake.post(IDS.support, USERS.helper, 'Automated: ticket #12 opened');
    const h = f.fake.post(IDS.support, { id: '700000000000000001', username: 'Zendesk', global_name: null, bot: true }, 'Webhook post', { webhookId: '700000000000000001' });
    const off = f.fake.post(IDS.offTopic, USERS.ada, 'anyone watching the game?');
    const inCategory = f.fake.post(IDS.help, USERS.bo, 'my card was declined');
    await Promise.all([f.capturedOf(b.id), f.capturedOf(h.id), f.capturedOf(inCategory.id)]);
    expect(await f.skippedOf(off.id)).toBe('not a support channel');
    expect((await Message.findById(key(IDS.support, b.id)).lean())?.author?.role).toBe('bot');
    expect((await Message.findById(key(IDS.support, h.id)).lean())?.author?.role).toBe('bot');
    expect((await Message.findById(key(IDS.help, inCategory.id)).lean())?.author?.role).toBe('customer');
    expect(await Message.countDocuments({ channelId: IDS.offTopic })).toBe(0);
  });

  it('records edits and deletes, single and bulk, including of messages the client never cached', async () => {
    const m = f.fake.post(IDS.support, USERS.bo, 'How do I reset my password?');
    await f.capturedOf(m.id, 'new');
    f.fake.edit(IDS.support, m.id, 'How do I reset my password? I get error 500');
    const edited = await f.capturedOf(m.id, 'edit');
    expect(edited.status).toBe('edited');
    let stored = await Message.findById(key(IDS.support, m.id)).lean();
    expect(stored).toMatchObject({ text: 'How do I reset my password? I get error 500', rev: 1 });
    expect(stored?.editedAt).toBeInstanceOf(Date);

    f.fake.delete(IDS.support, m.id);
    expect((await f.capturedOf(m.id, 'delete')).status).toBe('deleted');
    stored = await Message.findById(key(IDS.support, m.id)).lean();
    expect(stored?.deletedAt).toBeInstanceOf(Date);
    expect(stored?.text).toBe('How do I reset my password? I get error 500');

    const x = f.fake.post(IDS.support, USERS.bo, 'first');
    const y = f.fake.post(IDS.support, USERS.bo, 'second');
    await f.capturedOf(y.id, 'new');
    f.fake.bulkDelete(IDS.support, [x.id, y.id]);
    await Promise.all([f.capturedOf(x.id, 'delete'), f.capturedOf(y.id, 'delete')]);
    const both = await Message.find({ _id: { $in: [key(IDS.support, x.id), key(IDS.support, y.id)] } }).lean();
    expect(both.map((d) => d.deletedAt instanceof Date)).toEqual([true, true]);

    // Posted while nobody listened (never cached, never captured), then edited: the partial update is stored.
    const old = f.fake.buildMessage(IDS.support, USERS.bo, 'older text', []);
    f.fake.world.addMessage(old);
    f.fake.edit(IDS.support, old.id, 'older text, edited');
    expect((await f.capturedOf(old.id, 'edit')).status).toBe('stored');
    expect(await Message.findById(key(IDS.support, old.id)).lean()).toMatchObject({ text: 'older text, edited', author: { role: 'customer' } });
    // And an uncached message deleted: a tombstone.
    const gone = f.fake.buildMessage(IDS.support, USERS.bo, 'never seen', []);
    f.fake.world.addMessage(gone);
    f.fake.delete(IDS.support, gone.id);
    expect((await f.capturedOf(gone.id, 'delete')).status).toBe('tombstone');
  });

  it('makes a thread one conversation under its parent channel', async () => {
    const root = f.fake.post(IDS.support, USERS.ada, 'The export button does nothing');
    await f.capturedOf(root.id);
    const thread = f.fake.startThread(IDS.support, root.id, 'export bug', USERS.al);
    const r1 = f.fake.post(thread.id, USERS.al, 'Which browser?');
    const r2 = f.fake.post(thread.id, USERS.ada, 'Firefox 130');
    await Promise.all([f.capturedOf(r1.id), f.capturedOf(r2.id)]);
    const docs = await Message.find({ _id: { $in: [key(IDS.support, root.id), key(IDS.support, r1.id), key(IDS.support, r2.id)] } }).lean();
    expect(docs).toHaveLength(3);
    expect(new Set(docs.map((d) => d.conversationId)).size).toBe(1);
    expect(docs.find((d) => d.messageId === r1.id)).toMatchObject({ channelId: IDS.support, threadId: thread.id });
  });

  it('makes a forum post (starter and replies) one thread conversation, with attachments as name, type and size', async () => {
    const { thread, starter } = f.fake.forumPost(IDS.forum, USERS.bo, 'Crash on launch', 'App crashes when I open it', [
      { filename: 'crash.log', content_type: 'text/plain', size: 2048 },
    ]);
    const reply = f.fake.post(thread.id, USERS.bo, '', { attachments: [{ filename: 'screen.png', content_type: 'image/png', size: 123456 }] });
    const answer = f.fake.post(thread.id, USERS.al, 'Fixed in 2.1.4');
    await Promise.all([f.capturedOf(starter.id), f.capturedOf(reply.id), f.capturedOf(answer.id)]);
    const s = await Message.findById(key(IDS.forum, starter.id)).lean();
    expect(s).toMatchObject({ channelId: IDS.forum, threadId: thread.id, attachments: [{ name: 'crash.log', type: 'text/plain', size: 2048 }] });
    const r = await Message.findById(key(IDS.forum, reply.id)).lean();
    expect(r?.text ?? null).toBeNull();
    expect(r).toMatchObject({ attachments: [{ name: 'screen.png', type: 'image/png', size: 123456 }] });
    expect(r?.conversationId).toBe(s?.conversationId);
    const conv = await Conversation.findById(s!.conversationId).lean();
    expect(conv).toMatchObject({ kind: 'thread', threadId: thread.id, channelId: IDS.forum, channelName: 'help-forum', status: 'answered' });
    expect(JSON.stringify(r)).not.toContain('cdn.example');
  });
});
