// A loopback fake of Discord's REST API (/api/v10/…) and gateway on one port. The real discord.js client
// connects to it: `rest.api` is `${fake.apiUrl}` and GET /gateway/bot hands out the fake's gateway URL.
// Every REST call is recorded; interaction callbacks and webhook edits are kept per interaction token.
// Test-side operations (post, edit, delete, threads, interactions, drops) change the world and dispatch
// the gateway events Discord would send.
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelType, MessageType } from 'discord.js';
import { FakeGateway } from './discord-gateway.js';
import { DiscordWorld, snowflake, type FakeAttachment, type FakeChannel, type FakeMessage, type FakeUser } from './discord-world.js';

export interface RestCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  auth: boolean;
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** Bodies of POST /interactions/{id}/{token}/callback, in order. */
  callbacks: Array<{ type: number; data?: any }>;
  /** Bodies of PATCH /webhooks/{app}/{token}/messages/@original and POST /webhooks/{app}/{token}. */
  edits: any[];
  followups: any[];
}

type Handler = (m: RegExpMatchArray, q: URLSearchParams, body: any) => { status: number; json?: unknown } | Promise<{ status: number; json?: unknown }>;

const notFound = (code: number, message: string) => ({ status: 404, json: { message, code } });

export class FakeDiscord extends EventEmitter {
  readonly world: DiscordWorld;
  readonly gateway: FakeGateway;
  readonly calls: RestCall[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands = new Map<string, any[]>();
  /** Route patterns (matched against "METHOD /path") answered once with 429 before working. */
  readonly rateLimitOnce: RegExp[] = [];
  private server: Server | null = null;
  private port = 0;
  private readonly routes: Array<[string, RegExp, Handler]> = [];

  constructor(
    readonly applicationId: string,
    readonly token: string,
  ) {
    super();
    const bot: FakeUser = { id: applicationId, username: 'support-history', global_name: null, bot: true };
    this.world = new DiscordWorld(bot);
    this.gateway = new FakeGateway(this.world, () => this.baseUrl, applicationId);
    this.defineRoutes();
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What DISCORD_API_URL is set to. */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').startsWith('/gateway')) this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.gateway.close();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }

  // ---- REST -----------------------------------------------------------------------------------------

  private route(method: string, pattern: string, handler: Handler): void {
    const re = new RegExp(`^${pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
    this.routes.push([method, re, handler]);
  }

  private defineRoutes(): void {
    const w = this.world;
    this.route('GET', '/gateway/bot', () => ({
      status: 200,
      json: { url: this.gateway.url, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } },
    }));
    this.route('GET', '/gateway', () => ({ status: 200, json: { url: this.gateway.url } }));
    this.route('GET', '/users/@me', () => ({ status: 200, json: w.userPayload(w.botUser) }));
    this.route('GET', '/channels/:id', (m) => {
      const c = w.channels.get(m.groups!.id!);
      return c ? { status: 200, json: w.channelPayload(c) } : notFound(10003, 'Unknown Channel');
    });
    this.route('GET', '/channels/:id/messages', (m, q) => {
      const c = w.channels.get(m.groups!.id!);
      if (!c) return notFound(10003, 'Unknown Channel');
      const limit = Math.min(100, Math.max(1, Number(q.get('limit') ?? 50)));
      const list = w.listMessages(c.id, { after: q.get('after') ?? undefined, before: q.get('before') ?? undefined, limit });
      return { status: 200, json: list.map((msg) => w.messagePayload(msg)) };
    });
    this.route('GET', '/channels/:id/messages/:mid', (m) => {
      const msg = w.findMessage(m.groups!.id!, m.groups!.mid!);
      return msg ? { status: 200, json: w.messagePayload(msg) } : notFound(10008, 'Unknown Message');
    });
    this.route('POST', '/channels/:id/messages', (m, _q, body) => {
      const c = w.channels.get(m.groups!.id!);
      if (!c) return notFound(10003, 'Unknown Channel');
      const msg = this.buildMessage(c.id, w.botUser, body?.content ?? '', []);
      w.addMessage(msg);
      this.gateway.dispatch('MESSAGE_CREATE', w.messageDispatch(msg));
      if (body?.components) msg.components = body.components;
      return { status: 200, json: { ...w.messagePayload(msg), embeds: body?.embeds ?? [], components: body?.components ?? [], ...(body?.message_reference ? { message_reference: body.message_reference } : {}) } };
    });
    this.route('GET', '/guilds/:id/threads/active', (m) => {
      const gid = m.groups!.id!;
      const threads = [...w.channels.values()].filter((c) => c.guild_id === gid && w.isThread(c) && !c.thread_metadata!.archived);
      return { status: 200, json: { threads: threads.map((t) => w.channelPayload(t)), members: [] } };
    });
    this.route('GET', '/channels/:id/threads/archived/:kind', (m, q) => {
      const parent = w.channels.get(m.groups!.id!);
      if (!parent) return notFound(10003, 'Unknown Channel');
      const type = m.groups!.kind === 'private' ? ChannelType.PrivateThread : ChannelType.PublicThread;
      const before = q.get('before') ? Date.parse(q.get('before')!) : Infinity;
      const limit = Math.min(100, Math.max(2, Number(q.get('limit') ?? 50)));
      const all = [...w.channels.values()]
        .filter((c) => c.parent_id === parent.id && c.type === type && c.thread_metadata?.archived)
        .filter((c) => Date.parse(c.thread_metadata!.archive_timestamp) < before)
        .sort((a, b) => Date.parse(b.thread_metadata!.archive_timestamp) - Date.parse(a.thread_metadata!.archive_timestamp));
      return { status: 200, json: { threads: all.slice(0, limit).map((t) => w.channelPayload(t)), members: [], has_more: all.length > limit } };
    });
    this.route('GET', '/guilds/:gid/members/:uid', (m) => {
      if (!w.guilds.has(m.groups!.gid!)) return notFound(10004, 'Unknown Guild');
      const member = w.memberPayload(m.groups!.gid!, m.groups!.uid!);
      return member ? { status: 200, json: member } : notFound(10007, 'Unknown Member');
    });
    this.route('GET', '/guilds/:gid/channels', (m) => ({
      status: 200,
      json: [...w.channels.values()].filter((c) => c.guild_id === m.groups!.gid && !w.isThread(c)).map((c) => w.channelPayload(c)),
    }));
    const putCommands = (key: string, body: any) => {
      if (!Array.isArray(body)) return { status: 400, json: { message: 'Invalid Form Body', code: 50035 } };
      const saved = body.map((c: any) => ({ ...c, id: snowflake(), application_id: this.applicationId, version: snowflake(), type: c.type ?? 1 }));
      this.commands.set(key, saved);
      return { status: 200, json: saved };
    };
    this.route('PUT', '/applications/:app/guilds/:gid/commands', (m, _q, body) => putCommands(`guild:${m.groups!.gid}`, body));
    this.route('PUT', '/applications/:app/commands', (_m, _q, body) => putCommands('global', body));
    this.route('POST', '/interactions/:id/:token/callback', (m, _q, body) => {
      const rec = this.interactions.get(m.groups!.token!);
      if (!rec || rec.id !== m.groups!.id) return notFound(10062, 'Unknown interaction');
      if (rec.callbacks.length > 0) return { status: 400, json: { message: 'Interaction has already been acknowledged.', code: 40060 } };
      const problem = checkMessageLimits(body?.data);
      if (problem) return { status: 400, json: { message: `Invalid Form Body: ${problem}`, code: 50035 } };
      rec.callbacks.push(body);
      this.emit('interaction-response', rec);
      return { status: 204 };
    });
    this.route('PATCH', '/webhooks/:app/:token/messages/@original', (m, _q, body) => {
      const rec = this.interactions.get(m.groups!.token!);
      if (!rec || rec.callbacks.length === 0) return notFound(10015, 'Unknown Webhook');
      const problem = checkMessageLimits(body);
      if (problem) return { status: 400, json: { message: `Invalid Form Body: ${problem}`, code: 50035 } };
      rec.edits.push(body);
      this.emit('interaction-response', rec);
      return { status: 200, json: { id: snowflake(), channel_id: '0', content: body?.content ?? '', embeds: body?.embeds ?? [], author: w.userPayload(w.botUser), timestamp: new Date().toISOString(), edited_timestamp: null, attachments: [], type: 20, flags: 64, mentions: [], mention_roles: [], mention_everyone: false, tts: false, pinned: false } };
    });
    this.route('POST', '/webhooks/:app/:token', (m, _q, body) => {
      const rec = this.interactions.get(m.groups!.token!);
      if (!rec) return notFound(10015, 'Unknown Webhook');
      rec.followups.push(body);
      this.emit('interaction-response', rec);
      return { status: 200, json: { id: snowflake(), channel_id: '0', content: body?.content ?? '', embeds: [], author: w.userPayload(w.botUser), timestamp: new Date().toISOString(), edited_timestamp: null, attachments: [], type: 0, flags: 64, mentions: [], mention_roles: [], mention_everyone: false, tts: false, pinned: false } };
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const raw = buf.toString('utf8');
    let body: unknown = null;
    if (raw !== '' && (req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    } else if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      // Messages with attachments, as Discord documents them: `payload_json` plus `files[n]` parts; the
      // parts are kept as `body.files` ({ name, content }) beside the JSON payload.
      const form = await new Request('http://fake/upload', { method: 'POST', headers: { 'content-type': req.headers['content-type']! }, body: buf }).formData();
      const payload = form.get('payload_json');
      const files: Array<{ field: string; name: string; content: string }> = [];
      for (const [field, value] of form.entries()) {
        if (typeof value !== 'string') files.push({ field, name: (value as File).name, content: await (value as Blob).text() });
      }
      body = { ...(typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : {}), files };
    }
    const path = decodeURIComponent(u.pathname).replace(/^\/api\/v10/, '');
    const method = req.method ?? 'GET';
    const auth = req.headers.authorization === `Bot ${this.token}`;
    const call: RestCall = { method, path, query: Object.fromEntries(u.searchParams), body, status: 0, auth };
    this.calls.push(call);
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
      res.end(json !== undefined ? JSON.stringify(json) : undefined);
      this.emit('rest', call);
    };
    if (!u.pathname.startsWith('/api/v10/')) return send(404, { message: '404: Not Found', code: 0 });
    const isInteraction = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
    if (!auth && !isInteraction) return send(401, { message: '401: Unauthorized', code: 0 });
    const limited = this.rateLimitOnce.findIndex((re) => re.test(`${method} ${path}`));
    if (limited >= 0) {
      this.rateLimitOnce.splice(limited, 1);
      return send(429, { message: 'You are being rate limited.', retry_after: 0.2, global: false }, {
        'retry-after': '1',
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': '0.2',
        'x-ratelimit-bucket': 'fake-bucket',
        'x-ratelimit-scope': 'user',
      });
    }
    for (const [m, re, handler] of this.routes) {
      if (m !== method) continue;
      const match = path.match(re);
      if (!match) continue;
      try {
        const out = await handler(match, u.searchParams, body);
        return send(out.status, out.json, { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '49', 'x-ratelimit-reset-after': '1', 'x-ratelimit-bucket': `b-${method}-${re.source}` });
      } catch (err) {
        return send(500, { message: (err as Error).message, code: 0 });
      }
    }
    return send(404, { message: '404: Not Found', code: 0 });
  }

  // ---- test-side operations ---------------------------------------------------------------------------

  buildMessage(channelId: string, author: FakeUser, content: string, attachments: FakeAttachment[], opts: { webhookId?: string; id?: string; type?: MessageType; at?: Date } = {}): FakeMessage {
    const at = opts.at ?? new Date();
    const id = opts.id ?? snowflake(at.getTime());
    return {
      id,
      channel_id: channelId,
      author,
      content,
      timestamp: at.toISOString(),
      edited_timestamp: null,
      type: opts.type ?? MessageType.Default,
      attachments: attachments.map((a) => {
        const aid = snowflake();
        return { ...a, id: aid, url: `https://cdn.example/${aid}/${a.filename}`, proxy_url: `https://media.example/${aid}/${a.filename}` };
      }),
      ...(opts.webhookId ? { webhook_id: opts.webhookId } : {}),
      mention_everyone: /@everyone|@here/.test(content),
      mention_roles: [...content.matchAll(/<@&(\d+)>/g)].map((x) => x[1]!),
    };
  }

  /** A user posts: stored, and MESSAGE_CREATE dispatched (only logged while the gateway is down). */
  post(channelId: string, author: FakeUser, content: string, opts: { attachments?: FakeAttachment[]; webhookId?: string; id?: string; at?: Date } = {}): FakeMessage {
    const msg = this.buildMessage(channelId, author, content, opts.attachments ?? [], opts);
    this.world.addMessage(msg);
    this.gateway.dispatch('MESSAGE_CREATE', this.world.messageDispatch(msg));
    return msg;
  }

  edit(channelId: string, id: string, content: string): FakeMessage {
    const msg = this.world.findMessage(channelId, id);
    if (!msg) throw new Error(`fake: no message ${id}`);
    msg.content = content;
    msg.edited_timestamp = new Date().toISOString();
    this.gateway.dispatch('MESSAGE_UPDATE', this.world.messageDispatch(msg));
    return msg;
  }

  delete(channelId: string, id: string): void {
    const c = this.world.channel(channelId);
    this.world.removeMessage(channelId, id);
    this.gateway.dispatch('MESSAGE_DELETE', { id, channel_id: channelId, guild_id: c.guild_id });
  }

  bulkDelete(channelId: string, ids: string[]): void {
    const c = this.world.channel(channelId);
    for (const id of ids) this.world.removeMessage(channelId, id);
    this.gateway.dispatch('MESSAGE_DELETE_BULK', { ids, channel_id: channelId, guild_id: c.guild_id });
  }

  /** A thread started from a message (same id as the message), as Discord creates it. */
  startThread(parentId: string, fromMessageId: string, name: string, owner: FakeUser): FakeChannel {
    const t = this.world.addThread(parentId, fromMessageId, name, owner.id);
    this.gateway.dispatch('THREAD_CREATE', { ...this.world.channelPayload(t), newly_created: true });
    return t;
  }

  /** A forum post: a thread whose starter message has the thread's id. */
  forumPost(forumId: string, author: FakeUser, title: string, content: string, attachments: FakeAttachment[] = []): { thread: FakeChannel; starter: FakeMessage } {
    const id = snowflake();
    const t = this.world.addThread(forumId, id, title, author.id);
    this.gateway.dispatch('THREAD_CREATE', { ...this.world.channelPayload(t), newly_created: true });
    const starter = this.post(t.id, author, content, { id, attachments });
    return { thread: t, starter };
  }

  /** A member adds a reaction (MESSAGE_REACTION_ADD, with the member as Discord sends it). */
  react(channelId: string, messageId: string, user: FakeUser, emoji: string): void {
    const c = this.world.channel(channelId);
    const msg = this.world.findMessage(channelId, messageId);
    this.gateway.dispatch('MESSAGE_REACTION_ADD', {
      user_id: user.id,
      channel_id: channelId,
      message_id: messageId,
      guild_id: c.guild_id,
      member: this.world.memberPayload(c.guild_id, user.id),
      emoji: { id: null, name: emoji },
      message_author_id: msg?.author.id,
      burst: false,
      type: 0,
    });
  }

  archiveThread(threadId: string): void {
    const t = this.world.channel(threadId);
    t.thread_metadata = { ...t.thread_metadata!, archived: true, archive_timestamp: new Date().toISOString() };
    this.gateway.dispatch('THREAD_UPDATE', this.world.channelPayload(t));
  }

  /**
   * Sends an INTERACTION_CREATE (application command or autocomplete) from `user` in `channelId` and
   * returns its record; wait for responses with `waitForResponse`.
   */
  interact(opts: { type: 2 | 3 | 4 | 5; guildId: string; channelId: string; user: FakeUser; name?: string; options?: any[]; resolved?: any; data?: any; message?: FakeMessage }): InteractionRecord {
    const id = snowflake();
    const token = `itoken-${id}`;
    const rec: InteractionRecord = { id, token, callbacks: [], edits: [], followups: [] };
    this.interactions.set(token, rec);
    const member = this.world.memberPayload(opts.guildId, opts.user.id);
    if (!member) throw new Error(`fake: ${opts.user.id} is no member of ${opts.guildId}`);
    const channel = this.world.channel(opts.channelId);
    this.gateway.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.applicationId,
      type: opts.type,
      token,
      version: 1,
      guild_id: opts.guildId,
      guild: { id: opts.guildId, locale: 'en-US', features: [] },
      channel_id: opts.channelId,
      channel: this.world.channelPayload(channel),
      member: { ...member, permissions: '8192' },
      app_permissions: '2248473465835073',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': opts.guildId },
      context: 0,
      attachment_size_limit: 10_485_760,
      data: opts.data ?? { id: snowflake(), name: opts.name, type: 1, options: opts.options ?? [], ...(opts.resolved ? { resolved: opts.resolved } : {}) },
      // A message component interaction (type 3) carries the message its button is on.
      ...(opts.message ? { message: { ...this.world.messagePayload(opts.message), components: opts.message.components ?? [] } } : {}),
    });
    return rec;
  }

  /** Resolves when the interaction has a final answer: a non-deferred callback, or an edit after a deferral. */
  async waitForAnswer(rec: InteractionRecord, timeoutMs = 15_000): Promise<any> {
    const final = () => {
      const first = rec.callbacks[0];
      if (!first) return null;
      // Deferred (5: a reply to come; 6: a component's message to be updated): the edit is the answer.
      if (first.type === 5 || first.type === 6) return rec.edits.at(-1) ?? rec.followups.at(-1) ?? null;
      return first.data ?? first;
    };
    const deadline = AbortSignal.timeout(timeoutMs);
    while (final() === null) {
      await once(this, 'interaction-response', { signal: deadline }).catch(() => {
        throw new Error(`no answer to interaction ${rec.id} within ${timeoutMs} ms`);
      });
    }
    return final();
  }

  callsTo(method: string, path: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }
}

/** Discord's documented message/embed limits; a reply breaking one is refused with 400, as Discord does. */
export function checkMessageLimits(data: any): string | null {
  if (!data) return null;
  if (typeof data.content === 'string' && [...data.content].length > 2000) return 'content over 2000';
  const embeds: any[] = data.embeds ?? [];
  if (embeds.length > 10) return 'more than 10 embeds';
  let total = 0;
  const len = (s: unknown) => (typeof s === 'string' ? [...s].length : 0);
  for (const e of embeds) {
    if (len(e.title) > 256) return 'embed title over 256';
    if (len(e.description) > 4096) return 'embed description over 4096';
    if ((e.fields ?? []).length > 25) return 'more than 25 fields';
    if (len(e.footer?.text) > 2048) return 'footer over 2048';
    if (len(e.author?.name) > 256) return 'author name over 256';
    total += len(e.title) + len(e.description) + len(e.footer?.text) + len(e.author?.name);
    for (const f of e.fields ?? []) {
      if (len(f.name) === 0 || len(f.name) > 256) return 'field name empty or over 256';
      if (len(f.value) === 0 || len(f.value) > 1024) return 'field value empty or over 1024';
      total += len(f.name) + len(f.value);
    }
  }
  if (total > 6000) return `embeds total ${total} over 6000`;
  return null;
}
