// The bot process as `support-history start` builds it (bin/app.ts → adapters/index.ts), configured by
// DISCORD_* variables and pointed at the fake: captures, registers commands, and posts the weekly digest through the job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../bin/app.js';
import { DiscordAdapter } from '../../adapters/discord/index.js';
import { createDigestProcessor } from '../../jobs/digest.js';
import type { CaptureStatus } from '../../src/capture/capture.js';
import { loadConfig, type Config } from '../../src/config.js';
import { connectMongo } from '../../src/db/connection.js';
import { Message } from '../../src/db/models.js';
import { cleanupTestEnv, testEnv } from '../helpers/env.js';
import { buildGuild, IDS, TOKEN, USERS } from '../fakes/discord-fixture.js';
import { FakeDiscord } from '../fakes/discord-rest.js';

const env = testEnv(import.meta.filename);
let fake: FakeDiscord;
let app: RunningApp;
let config: Config;

beforeAll(async () => {
  fake = new FakeDiscord(IDS.app, TOKEN);
  await fake.start();
  buildGuild(fake);
  config = loadConfig({
    MONGO_URL: env.mongoUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DISCORD_TOKEN: TOKEN,
    DISCORD_APPLICATION_ID: IDS.app,
    DISCORD_GUILD_IDS: IDS.guild,
    DISCORD_SUPPORT_CHANNELS: `${IDS.support},${IDS.forum}`,
    DISCORD_AGENT_ROLES: IDS.agentRole,
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_DIGEST_CHANNEL: IDS.offTopic,
  });
  app = await startApp('all', config, env.log, { dbName: env.dbName });
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await connectMongo(env.mongoUrl, env.log, { dbName: env.dbName });
  await cleanupTestEnv(env);
});

describe('the bot process with Discord configured', () => {
  it('starts the Discord adapter, captures a message, registers commands, and posts the digest through the digest job', async () => {
    const adapter = app.adapters.find((a) => a.platform === 'discord');
    expect(adapter).toBeInstanceOf(DiscordAdapter);
    const d = adapter as DiscordAdapter;
    const m = fake.post(IDS.support, USERS.ada, 'My invoice shows a double charge');
    const status = await new Promise<CaptureStatus>((resolve) => d.on('captured', (msg, s) => msg.messageId === m.id && resolve(s)));
    expect(status).toBe('stored');
    expect(await Message.countDocuments({ messageId: m.id })).toBe(1);
    expect(fake.commands.get(`guild:${IDS.guild}`)?.length).toBe(4);

    const run = createDigestProcessor({ adapters: app.adapters, config, log: env.log });
    const out = await run({ data: { platform: 'discord', workspaceId: IDS.guild }, id: 'manual-1', timestamp: Date.now() });
    expect(out).toMatchObject({ status: 'posted', channelId: IDS.offTopic });
    const post = fake.callsTo('POST', new RegExp(`^/channels/${IDS.offTopic}/messages$`)).at(-1)!;
    expect(post.status).toBe(200);
    expect((post.body as any).embeds[0].title).toBe(`Weekly support digest — ${out.week}`);
    expect((post.body as any).allowed_mentions).toEqual({ parse: [] });
    // Once per week, however often the job runs.
    expect((await run({ data: { platform: 'discord', workspaceId: IDS.guild }, id: 'manual-2', timestamp: Date.now() })).status).toBe('already-posted');
  });
});
