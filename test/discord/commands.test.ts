// Slash commands through the real client: registration, /history by member and by query, autocomplete,
// unknown customer, non-agents refused, /digest. Replies are ephemeral and mention nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { checkMessageLimits } from '../fakes/discord-rest.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';
import type { FakeUser } from '../fakes/discord-world.js';

let f: DiscordFixture;
const EPHEMERAL = 64;

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename);
  const posts = [
    f.fake.post(IDS.support, USERS.ada, 'I was charged twice on my invoice this month'),
    f.fake.post(IDS.support, USERS.al, 'Refunded, sorry about that'),
    f.fake.post(IDS.help, USERS.bo, 'How do I reset my password?'),
  ];
  const outs = await Promise.all(posts.map((m) => f.capturedOf(m.id)));
  await Promise.all(outs.map((o) => f.p.waitForTag(messageKey('discord', IDS.guild, o.msg.channelId, o.msg.messageId), 0)));
});
afterAll(async () => {
  await f?.close();
});

function history(user: FakeUser, options: any[], resolved?: any) {
  return f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user, name: 'history', options, resolved });
}

function userOption(u: FakeUser) {
  return {
    options: [{ name: 'user', type: 6, value: u.id }],
    resolved: { users: { [u.id]: f.fake.world.userPayload(u) }, members: { [u.id]: f.fake.world.memberPayload(IDS.guild, u.id, false) } },
  };
}

describe('discord slash commands', () => {
  it('registers /history, /digest, /customer and /resolve for the guild with default_member_permissions', () => {
    const cmds = f.fake.commands.get(`guild:${IDS.guild}`)!;
    expect(cmds.map((c) => c.name).sort()).toEqual(['customer', 'digest', 'history', 'resolve']);
    for (const c of cmds) {
      expect(c.default_member_permissions).toBe('8192');
      expect(c.contexts).toEqual([0]);
    }
    expect(cmds.find((c) => c.name === 'history').options.find((o: any) => o.name === 'query').autocomplete).toBe(true);
    expect(f.fake.commands.has('global')).toBe(false);
  });

  it('/history user: defers ephemerally, then shows the member’s summary as embeds that ping nobody', async () => {
    const { options, resolved } = userOption(USERS.ada);
    const rec = history(USERS.al, options, resolved);
    const answer = await f.fake.waitForAnswer(rec);
    expect(rec.callbacks[0]).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    expect(answer.allowed_mentions).toEqual({ parse: [] });
    expect(answer.embeds[0].title).toBe('Ada Lovelace');
    const fields = Object.fromEntries(answer.embeds[0].fields.map((x: any) => [x.name, x.value]));
    expect(fields.Conversations).toMatch(/^1 all time/);
    expect(fields['Needs (all time)']).toMatch(/billing: 1/);
    expect(checkMessageLimits(answer)).toBeNull();
  });

  it('/history query: finds a customer by name', async () => {
    const answer = await f.fake.waitForAnswer(history(USERS.al, [{ name: 'query', type: 3, value: 'Bo Customer' }]));
    expect(answer.embeds[0].title).toBe('Bo Customer');
  });

  it('autocompletes known customers for query', async () => {
    const rec = f.fake.interact({ type: 4, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'history', options: [{ name: 'query', type: 3, value: 'ad', focused: true }] });
    await f.fake.waitForAnswer(rec);
    expect(rec.callbacks[0]!.type).toBe(8);
    const choices = rec.callbacks[0]!.data.choices as Array<{ name: string; value: string }>;
    expect(choices).toContainEqual({ name: 'Ada Lovelace', value: `id:discord:${IDS.guild}:${USERS.ada.id}` });
    // Picking the suggestion runs /history with its value.
    const answer = await f.fake.waitForAnswer(history(USERS.al, [{ name: 'query', type: 3, value: choices[0]!.value }]));
    expect(answer.embeds[0].title).toBe('Ada Lovelace');
  });

  it('answers an unknown customer with a clear message', async () => {
    const answer = await f.fake.waitForAnswer(history(USERS.al, [{ name: 'query', type: 3, value: 'Nobody Atall' }]));
    expect(answer.embeds[0]).toMatchObject({ title: 'No customer found' });
    expect(answer.embeds[0].description).toContain('Nobody Atall');
    const member = userOption(USERS.listed);
    const byMember = await f.fake.waitForAnswer(history(USERS.al, member.options, member.resolved));
    expect(byMember.embeds[0].title).toBe('No customer found');
  });

  it('refuses non-agents at run time (the permission default can be changed by admins)', async () => {
    const rec = history(USERS.bo, [{ name: 'query', type: 3, value: 'Ada' }]);
    const answer = await f.fake.waitForAnswer(rec);
    expect(rec.callbacks[0]).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(answer.embeds[0].description).toBe('Only support agents can use this command.');
    expect(answer.allowed_mentions).toEqual({ parse: [] });
    const ac = f.fake.interact({ type: 4, guildId: IDS.guild, channelId: IDS.support, user: USERS.bo, name: 'history', options: [{ name: 'query', type: 3, value: 'ad', focused: true }] });
    await f.fake.waitForAnswer(ac);
    expect(ac.callbacks[0]).toEqual({ type: 8, data: { choices: [] } });
    // A listed agent user (no role) is allowed.
    const ok = await f.fake.waitForAnswer(history(USERS.listed, [{ name: 'query', type: 3, value: 'Ada Lovelace' }]));
    expect(ok.embeds[0].title).toBe('Ada Lovelace');
  });

  it('/digest shows this week’s digest for the guild', async () => {
    const rec = f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'digest', options: [] });
    const answer = await f.fake.waitForAnswer(rec);
    expect(rec.callbacks[0]).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    expect(answer.embeds[0].title).toMatch(/^Weekly support digest — \d{4}-W\d{2}$/);
    // Nothing the week before: said once, the figures alone (issue 18 item 9).
    expect(answer.embeds[0].description).toMatch(/^Conversations: 2\n/);
    expect(answer.embeds[0].description).toContain('*First week: nothing was stored the week before, so no change is shown.*');
    expect(checkMessageLimits(answer)).toBeNull();
    const bad = await f.fake.waitForAnswer(f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'digest', options: [{ name: 'week', type: 3, value: 'last' }] }));
    expect(bad.embeds[0].description).toContain('2026-W47');
  });

  it('posts the weekly digest into a channel (PlatformAdapter.postDigest)', async () => {
    const { buildDigest } = await import('../../src/digest/index.js');
    const digest = await buildDigest({ platform: 'discord', workspaceId: IDS.guild });
    await f.adapter.postDigest(IDS.guild, IDS.support, digest);
    const post = f.fake.callsTo('POST', new RegExp(`^/channels/${IDS.support}/messages$`)).at(-1)!;
    expect(post.status).toBe(200);
    expect((post.body as any).allowed_mentions).toEqual({ parse: [] });
    expect((post.body as any).embeds[0].title).toMatch(/^Weekly support digest/);
    await expect(f.adapter.postDigest(IDS.otherGuild, IDS.support, digest)).rejects.toThrow(/not a text channel of guild/);
  });

  it('/customer link and unlink join and separate a customer’s accounts', async () => {
    const link = (customer: string, other: string) =>
      f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'customer', options: [{ name: 'link', type: 1, options: [{ name: 'customer', type: 3, value: customer }, { name: 'with', type: 3, value: other }] }] });
    const linked = await f.fake.waitForAnswer(link(`id:discord:${IDS.guild}:${USERS.ada.id}`, `<@${USERS.bo.id}>`));
    expect(linked.embeds[0].description).toMatch(/^Linked 2 accounts into one customer/);
    const { options, resolved } = userOption(USERS.bo);
    const summary = await f.fake.waitForAnswer(history(USERS.al, options, resolved));
    expect(summary.embeds[0].fields.find((x: any) => x.name === 'Conversations').value).toMatch(/^2 all time/);
    const bad = await f.fake.waitForAnswer(link('not a customer', `<@${USERS.bo.id}>`));
    expect(bad.embeds[0].description).toMatch(/is not a known customer/);
    const unlink = f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'customer', options: [{ name: 'unlink', type: 1, options: [{ name: 'customer', type: 3, value: USERS.bo.id }] }] });
    expect((await f.fake.waitForAnswer(unlink)).embeds[0].description).toMatch(/^Unlinked discord:/);
    const after = await f.fake.waitForAnswer(history(USERS.al, options, resolved));
    expect(after.embeds[0].fields.find((x: any) => x.name === 'Conversations').value).toMatch(/^1 all time/);
  });

  it('/resolve in a forum post, and an agent’s ✅ (not a customer’s) resolve the conversation', async () => {
    const { Conversation, Message } = await import('../../src/db/models.js');
    const { thread, starter } = f.fake.forumPost(IDS.forum, USERS.ada, 'Refund status', 'Where is my refund?');
    await f.capturedOf(starter.id);
    const resolve = (channelId: string) => f.fake.interact({ type: 2, guildId: IDS.guild, channelId, user: USERS.al, name: 'resolve', options: [] });
    expect((await f.fake.waitForAnswer(resolve(thread.id))).embeds[0].description).toBe('✅ Conversation resolved.');
    const postConv = (await Message.findById(messageKey('discord', IDS.guild, IDS.forum, starter.id)).lean())?.conversationId;
    expect((await Conversation.findById(postConv).lean())?.status).toBe('resolved');
    expect((await f.fake.waitForAnswer(resolve(IDS.support))).embeds[0].description).toMatch(/^Use \/resolve inside a support thread/);

    const m = f.fake.post(IDS.support, USERS.bo, 'My parcel never arrived');
    await f.capturedOf(m.id);
    const seen: string[] = [];
    f.adapter.on('resolved', (r) => seen.push(r.status));
    f.fake.react(IDS.support, m.id, USERS.bo, '✅'); // the customer: just a reaction
    f.fake.react(IDS.support, m.id, USERS.al, '✅');
    await f.until(() => seen.length > 0, 'the ✅ to be handled');
    expect(seen).toEqual(['resolved']);
    const conv = (await Message.findById(messageKey('discord', IDS.guild, IDS.support, m.id)).lean())?.conversationId;
    expect((await Conversation.findById(conv).lean())?.status).toBe('resolved');
  });
});
