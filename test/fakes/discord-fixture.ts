// A support guild in the fake Discord, the real pipeline (FerretDB, Redis, worker) and a real
// DiscordAdapter connected to the fake, for one test file. Fixed ids throughout.
import { ChannelType } from 'discord.js';
import { DiscordAdapter, type DiscordAdapterOptions } from '../../adapters/discord/index.js';
import type { CaptureStatus } from '../../src/capture/capture.js';
import type { CapturedMessage } from '../../src/capture/types.js';
import { loadConfig } from '../../src/config.js';
import type { CaptureService } from '../../src/capture/capture.js';
import { HttpServer } from '../../src/http/server.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { Message } from '../../src/db/models.js';
import { messageKey } from '../../src/domain/keys.js';
import { FakeDiscord } from './discord-rest.js';
import type { FakeUser } from './discord-world.js';

export const IDS = {
  app: '600000000000000001',
  guild: '200000000000000001',
  otherGuild: '200000000000000002',
  support: '300000000000000001',
  forum: '300000000000000002',
  offTopic: '300000000000000003',
  category: '300000000000000010',
  help: '300000000000000011',
  agentRole: '400000000000000001',
  otherRole: '400000000000000002',
} as const;

export const USERS = {
  ada: { id: '500000000000000001', username: 'ada', global_name: 'Ada Lovelace' },
  al: { id: '500000000000000002', username: 'al', global_name: 'Agent Al' },
  listed: { id: '500000000000000003', username: 'lee', global_name: 'Listed Lee' },
  hostile: { id: '500000000000000004', username: 'mallory', global_name: '@everyone' },
  helper: { id: '500000000000000009', username: 'helperbot', global_name: null, bot: true },
  bo: { id: '500000000000000005', username: 'bo', global_name: 'Bo Customer' },
} satisfies Record<string, FakeUser>;

export const TOKEN = 'fake-discord-token-0123456789';

export interface DiscordFixture {
  p: Pipeline;
  fake: FakeDiscord;
  adapter: DiscordAdapter;
  /** Every event that reached capture, in order. */
  captured: Array<{ msg: CapturedMessage; status: CaptureStatus }>;
  skipped: Array<{ messageId: string; reason: string }>;
  /** Resolves when `pred` holds over what was captured/skipped so far (checked on every event). */
  until(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  capturedOf(messageId: string, kind?: CapturedMessage['kind']): Promise<{ msg: CapturedMessage; status: CaptureStatus }>;
  skippedOf(messageId: string): Promise<string>;
  close(): Promise<void>;
}

/** Resolves when the worker has placed the message (polled, bounded). */
async function placed(key: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while ((await Message.findById(key, { pend: 1 }).lean())?.pend) {
    if (Date.now() > end) throw new Error(`message ${key} not placed within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function buildGuild(fake: FakeDiscord): void {
  const w = fake.world;
  w.addGuild(IDS.guild, 'Acme Support');
  w.addRole(IDS.guild, IDS.agentRole, 'Support');
  w.addRole(IDS.guild, IDS.otherRole, 'Regulars');
  w.addChannel(IDS.guild, IDS.support, 'support', ChannelType.GuildText);
  w.addChannel(IDS.guild, IDS.forum, 'help-forum', ChannelType.GuildForum);
  w.addChannel(IDS.guild, IDS.offTopic, 'off-topic', ChannelType.GuildText);
  w.addChannel(IDS.guild, IDS.category, 'Help desk', ChannelType.GuildCategory);
  w.addChannel(IDS.guild, IDS.help, 'billing-help', ChannelType.GuildText, IDS.category);
  w.addMember(IDS.guild, USERS.ada, [IDS.otherRole]);
  w.addMember(IDS.guild, USERS.bo, []);
  w.addMember(IDS.guild, USERS.al, [IDS.agentRole]);
  w.addMember(IDS.guild, USERS.listed, []);
  w.addMember(IDS.guild, USERS.hostile, [], '@here <@&400000000000000001>');
  w.addMember(IDS.guild, USERS.helper, []);
}

export async function startDiscordFixture(
  file: string,
  opts: {
    start?: boolean;
    adapter?: Partial<DiscordAdapterOptions>;
    beforeStart?: (fake: FakeDiscord, p: Pipeline) => Promise<void> | void;
    /** Puts something between the adapter and the real capture service (to cut storage off, say). */
    wrapCapture?: (real: CaptureService) => Pick<CaptureService, 'capture'>;
    /** More settings for the adapter's configuration (DISCORD_ADMIN_USERS, say). */
    env?: Record<string, string>;
  } = {},
): Promise<DiscordFixture> {
  const p = await startPipeline(file);
  const fake = new FakeDiscord(IDS.app, TOKEN);
  await fake.start();
  buildGuild(fake);
  const config = loadConfig({
    DISCORD_TOKEN: TOKEN,
    DISCORD_APPLICATION_ID: IDS.app,
    DISCORD_GUILD_IDS: IDS.guild,
    DISCORD_SUPPORT_CHANNELS: `${IDS.support},${IDS.forum},${IDS.category}`,
    DISCORD_AGENT_ROLES: IDS.agentRole,
    DISCORD_AGENT_USERS: USERS.listed.id,
    DISCORD_API_URL: fake.apiUrl,
    ...opts.env,
  }).discord!;
  const adapter = new DiscordAdapter(
    { config, timeZone: 'UTC', readyTimeoutMs: 20_000, ...opts.adapter },
    { capture: (opts.wrapCapture ? opts.wrapCapture(p.capture) : p.capture) as CaptureService, http: new HttpServer(p.env.log), queues: p.queues, log: p.env.log },
  );
  const captured: DiscordFixture['captured'] = [];
  const skipped: DiscordFixture['skipped'] = [];
  const tick = new EventTarget();
  // Checked after every listener of the event has run (a test's own listeners included).
  const poke = () => setImmediate(() => tick.dispatchEvent(new Event('tick')));
  adapter.on('captured', (msg, status) => {
    captured.push({ msg, status });
    poke();
  });
  adapter.on('skipped', (s) => {
    skipped.push(s);
    poke();
  });
  for (const ev of ['backfill', 'buffered', 'dropped', 'command', 'resolved'] as const) adapter.on(ev, () => poke());
  const until = (pred: () => boolean, what: string, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      if (pred()) return resolve();
      const timer = setTimeout(() => {
        tick.removeEventListener('tick', check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        tick.removeEventListener('tick', check);
        resolve();
      };
      tick.addEventListener('tick', check);
    });
  const f: DiscordFixture = {
    p,
    fake,
    adapter,
    captured,
    skipped,
    until,
    async capturedOf(messageId, kind) {
      const find = () => captured.find((c) => c.msg.messageId === messageId && (kind === undefined || c.msg.kind === kind));
      await until(() => find() !== undefined, `capture of ${messageId}${kind ? ` (${kind})` : ''}`);
      const { msg } = find()!;
      // And placed by the worker (its conversation, customer and checkpoint), when a worker runs.
      if (p.worker) await placed(messageKey(msg.platform, msg.workspaceId, msg.channelId, msg.messageId));
      return find()!;
    },
    async skippedOf(messageId) {
      const find = () => skipped.find((s) => s.messageId === messageId);
      await until(() => find() !== undefined, `skip of ${messageId}`);
      return find()!.reason;
    },
    async close() {
      await adapter.stop().catch(() => undefined);
      await fake.close();
      await p.close();
    },
  };
  await opts.beforeStart?.(fake, p);
  if (opts.start !== false) {
    const firstBackfill = new Promise<void>((resolve) => adapter.once('backfill', () => resolve()));
    await adapter.start();
    await firstBackfill;
  }
  return f;
}
