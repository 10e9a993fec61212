// `/customer export` and `/customer forget` through the real discord.js client against the fakes: export
// attaches exactly the customer's history as JSON to the ephemeral reply (multipart, as Discord documents it);
// forget is for admins only, asks for confirmation with a button, re-checks the click, and never reaches
// another server's customer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Customer, Message } from '../../src/db/models.js';
import { FORGET_BUTTON, FORGET_CANCEL_BUTTON, NOT_ADMIN } from '../../adapters/discord/privacy.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';
import type { FakeUser } from '../fakes/discord-world.js';

let f: DiscordFixture;
const EPHEMERAL = 64;
const ADA = `discord:${IDS.guild}:${USERS.ada.id}`;
const FOREIGN = `discord:${IDS.otherGuild}:${USERS.bo.id}`;
const adaKeys: string[] = [];
let boKey = '';

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename, { env: { DISCORD_ADMIN_USERS: USERS.listed.id } });
  const posts = [
    f.fake.post(IDS.support, USERS.ada, 'My invoice shows the wrong VAT number'),
    f.fake.post(IDS.support, USERS.al, 'Corrected, a new invoice is on its way'),
    f.fake.post(IDS.help, USERS.bo, 'How do I reset my password?'),
  ];
  const outs = await Promise.all(posts.map((m) => f.capturedOf(m.id)));
  const keys = outs.map((o) => messageKey('discord', IDS.guild, o.msg.channelId, o.msg.messageId));
  await Promise.all(keys.map((k) => f.p.waitForTag(k, 0)));
  adaKeys.push(keys[0]!, keys[1]!);
  boKey = keys[2]!;
  // Bo as a customer of another server (a second guild whose data shares this database).
  await f.p.capture.capture({
    kind: 'new', platform: 'discord', workspaceId: IDS.otherGuild, channelId: '300000000000000099', messageId: '700000000000000001', threadId: null,
    author: { userId: USERS.bo.id, name: 'Bo Elsewhere', role: 'customer' }, text: 'hello from the other server', ts: new Date(),
  });
});
afterAll(async () => {
  await f?.close();
});

function customer(user: FakeUser, sub: 'export' | 'forget', value: string) {
  return f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user, name: 'customer', options: [{ name: sub, type: 1, options: [{ name: 'customer', type: 3, value }] }] });
}

/** Clicks a button of the ephemeral prompt (a MESSAGE_COMPONENT interaction carrying the message it is on). */
function click(user: FakeUser, customId: string) {
  const message = f.fake.buildMessage(IDS.support, f.fake.world.botUser, '', []);
  message.components = [{ type: 1, components: [{ type: 2, style: 4, label: 'Forget for good', custom_id: customId }] }];
  return f.fake.interact({ type: 3, guildId: IDS.guild, channelId: IDS.support, user, data: { custom_id: customId, component_type: 2 }, message });
}

describe('/customer export and forget on Discord', () => {
  it('registers export and forget as subcommands of /customer', () => {
    const cmd = f.fake.commands.get(`guild:${IDS.guild}`)!.find((c) => c.name === 'customer');
    expect(cmd.options.map((o: any) => o.name)).toEqual(['link', 'unlink', 'export', 'forget']);
    for (const sub of cmd.options.filter((o: any) => ['export', 'forget'].includes(o.name))) {
      expect(sub.options[0]).toMatchObject({ name: 'customer', type: 3, required: true, autocomplete: true });
    }
  });

  it('export attaches exactly the customer’s history as JSON to the ephemeral reply', async () => {
    const rec = customer(USERS.al, 'export', `<@${USERS.ada.id}>`);
    const answer = await f.fake.waitForAnswer(rec);
    expect(rec.callbacks[0]).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    expect(answer.embeds[0].description).toBe('Export of **Ada Lovelace** (1 conversation, 2 messages), attached as JSON.');
    expect(answer.allowed_mentions).toEqual({ parse: [] });
    // payload_json names the attachment by the index of its `files[n]` part, which carries the file name.
    expect(answer.attachments).toEqual([{ id: '0' }]);
    expect(answer.files).toHaveLength(1);
    expect(answer.files[0]).toMatchObject({ field: 'files[0]', name: `customer-discord_${IDS.guild}_${USERS.ada.id}.json` });
    const data = JSON.parse(answer.files[0].content) as { customer: { _id: string }; messages: Array<{ _id: string; text: string }> };
    expect(data.customer._id).toBe(ADA);
    expect(data.messages.map((m) => [m._id, m.text])).toEqual([
      [adaKeys[0], 'My invoice shows the wrong VAT number'],
      [adaKeys[1], 'Corrected, a new invoice is on its way'],
    ]);
  });

  it('export refuses non-agents and another server’s customer', async () => {
    expect((await f.fake.waitForAnswer(customer(USERS.bo, 'export', `<@${USERS.ada.id}>`))).embeds[0].description).toBe('Only support agents can use this command.');
    const foreign = await f.fake.waitForAnswer(customer(USERS.al, 'export', FOREIGN));
    expect(foreign.embeds[0].description).toBe(`Could not do that: ${FOREIGN} is not a customer of this workspace`);
    expect(foreign.files).toBeUndefined();
  });

  it('forget refuses non-admin agents and non-agents (command and forged click); nothing is deleted', async () => {
    expect((await f.fake.waitForAnswer(customer(USERS.al, 'forget', `<@${USERS.ada.id}>`))).embeds[0].description).toBe(NOT_ADMIN);
    expect((await f.fake.waitForAnswer(customer(USERS.bo, 'forget', `<@${USERS.ada.id}>`))).embeds[0].description).toBe('Only support agents can use this command.');
    const forged = click(USERS.al, `${FORGET_BUTTON}${ADA}`);
    expect((await f.fake.waitForAnswer(forged)).embeds[0].description).toBe(NOT_ADMIN);
    expect(forged.callbacks[0]).toEqual({ type: 6 });
    expect(await Customer.exists({ _id: ADA })).not.toBeNull();
    expect(await Message.countDocuments({ _id: { $in: adaKeys } })).toBe(2);
  });

  it('an admin cannot forget another server’s customer', async () => {
    expect((await f.fake.waitForAnswer(customer(USERS.listed, 'forget', FOREIGN))).embeds[0].description).toBe(`Could not do that: ${FOREIGN} is not a customer of this workspace`);
    expect((await f.fake.waitForAnswer(click(USERS.listed, `${FORGET_BUTTON}${FOREIGN}`))).embeds[0].description).toBe(`Could not do that: ${FOREIGN} is not a customer of this workspace`);
    expect(await Customer.exists({ _id: FOREIGN })).not.toBeNull();
  });

  it('an admin confirms with the button (or cancels); then the customer is gone', async () => {
    const prompt = await f.fake.waitForAnswer(customer(USERS.listed, 'forget', `id:${ADA}`));
    expect(prompt.embeds[0].description).toContain('**Forget Ada Lovelace**');
    expect(prompt.embeds[0].description).toContain('1 conversation and 2 messages for good');
    expect(prompt.components[0].components.map((c: any) => [c.custom_id, c.style])).toEqual([
      [`${FORGET_BUTTON}${ADA}`, 4],
      [FORGET_CANCEL_BUTTON, 2],
    ]);
    const cancelled = await f.fake.waitForAnswer(click(USERS.listed, FORGET_CANCEL_BUTTON));
    expect(cancelled).toMatchObject({ embeds: [{ description: 'Nothing was deleted.' }], components: [] });
    expect(await Customer.exists({ _id: ADA })).not.toBeNull();

    const done = await f.fake.waitForAnswer(click(USERS.listed, `${FORGET_BUTTON}${ADA}`));
    expect(done.embeds[0].description).toBe(`Forgot ${ADA}: 1 conversation and 2 messages deleted, counts adjusted.`);
    expect(done.components).toEqual([]);
    expect(await Customer.exists({ _id: ADA })).toBeNull();
    expect(await Message.countDocuments({ _id: { $in: adaKeys } })).toBe(0);
    expect(await Message.exists({ _id: boKey })).not.toBeNull();
    const history = await f.fake.waitForAnswer(f.fake.interact({ type: 2, guildId: IDS.guild, channelId: IDS.support, user: USERS.al, name: 'history', options: [{ name: 'query', type: 3, value: 'Ada Lovelace' }] }));
    expect(history.embeds[0].title).toBe('No customer found');
  });
});
