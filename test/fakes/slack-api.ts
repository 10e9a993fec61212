// A loopback fake of the Slack Web API (the methods the adapter calls, shaped as Slack documents them) and
// of response_url endpoints. The adapter reaches it through SLACK_API_URL (`slackApiUrl`); nothing is
// patched. It paginates with cursors, can answer a method once with 429 + Retry-After, and records calls.
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQs } from 'node:querystring';

export interface FakeUser {
  id: string;
  team_id: string;
  name: string;
  real_name?: string;
  email?: string;
  is_bot?: boolean;
  is_stranger?: boolean;
}

export interface FakeMessage {
  type?: 'message';
  subtype?: string;
  ts: string;
  user?: string;
  bot_id?: string;
  username?: string;
  text?: string;
  thread_ts?: string;
  edited?: { user: string; ts: string };
  files?: Array<{ id: string; name: string; filetype: string; size: number }>;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_member: boolean;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
  status: number;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export class FakeSlackApi extends EventEmitter {
  readonly team = { id: 'T1234', domain: 'acme' };
  readonly bot = { userId: 'UBOT', botId: 'BBOT' };
  users = new Map<string, FakeUser>();
  usergroups = new Map<string, string[]>();
  channels: FakeChannel[] = [];
  /** Every message of each channel, thread replies included (with thread_ts). */
  messages = new Map<string, FakeMessage[]>();
  /** Methods that answer the next call with 429 and this Retry-After (seconds). */
  rateLimitOnce = new Map<string, number>();
  calls: ApiCall[] = [];
  responseUrlPosts: ResponseUrlPost[] = [];
  posted: Array<{ method: string; params: Record<string, unknown> }> = [];
  /** Files uploaded through files.getUploadURLExternal → POST upload_url → files.completeUploadExternal. */
  files = new Map<string, { id: string; filename: string; length: number; content: string | null; title?: string; channelId?: string; initialComment?: string; completed: boolean }>();
  private server: Server | null = null;
  url = '';
  /** The WebSocket URL apps.connections.open hands out (see slack-socket.ts). */
  socketUrl: string | null = null;

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/response/${id}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  addMessage(channel: string, m: FakeMessage): FakeMessage {
    const list = this.messages.get(channel) ?? [];
    list.push({ type: 'message', ...m });
    this.messages.set(channel, list);
    return m;
  }

  /** Resolves with the first response_url post that matches (checked on every new post, never polled). */
  waitForResponse(id: string, timeoutMs = 25_000): Promise<ResponseUrlPost> {
    const found = this.responseUrlPosts.find((p) => p.id === id);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('response', onPost);
        reject(new Error(`no response_url post for ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onPost = (p: ResponseUrlPost): void => {
        if (p.id !== id) return;
        clearTimeout(timer);
        this.off('response', onPost);
        resolve(p);
      };
      this.on('response', onPost);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const raw = buf.toString('utf8');
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.startsWith('/upload/')) {
      // The upload URL files.getUploadURLExternal hands out: raw bytes, or multipart with the file as a part.
      const file = this.files.get(path.slice('/upload/'.length));
      if (!file || file.content !== null) return send(res, 404, 'not found');
      let content = raw;
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('multipart/form-data')) {
        const form = await new Request('http://fake/upload', { method: 'POST', headers: { 'content-type': type }, body: buf }).formData();
        const part = [...form.values()].find((v) => typeof v !== 'string');
        content = part ? await (part as Blob).text() : '';
      }
      if (Buffer.byteLength(content) !== file.length) return send(res, 400, 'length mismatch');
      file.content = content;
      return send(res, 200, `OK - ${file.length}`);
    }
    if (path.startsWith('/response/')) {
      const post = { id: path.slice('/response/'.length), body: JSON.parse(raw) as Record<string, unknown>, at: Date.now() };
      this.responseUrlPosts.push(post);
      this.emit('response', post);
      return send(res, 200, 'ok');
    }
    if (!path.startsWith('/api/')) return send(res, 404, 'not found');
    const method = path.slice('/api/'.length);
    const params = parseParams(req.headers['content-type'] ?? '', raw);
    const auth = req.headers.authorization ?? (params.token ? `Bearer ${params.token}` : '');
    // apps.connections.open (Socket Mode) takes the app-level token; everything else the bot token.
    if (!(method === 'apps.connections.open' ? /^Bearer xapp-/ : /^Bearer xoxb-/).test(auth)) return this.reply(res, method, params, { ok: false, error: 'not_authed' });
    const retryAfter = this.rateLimitOnce.get(method);
    if (retryAfter !== undefined) {
      this.rateLimitOnce.delete(method);
      this.calls.push({ method, params, at: Date.now(), status: 429 });
      res.writeHead(429, { 'retry-after': String(retryAfter), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const body = this.dispatch(method, params);
    return this.reply(res, method, params, body);
  }

  private reply(res: ServerResponse, method: string, params: Record<string, unknown>, body: Record<string, unknown>): void {
    this.calls.push({ method, params, at: Date.now(), status: 200 });
    send(res, 200, JSON.stringify(body), 'application/json');
  }

  private dispatch(method: string, p: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'socket_mode_not_enabled' };
      case 'auth.test':
        return { ok: true, url: `https://${this.team.domain}.slack.com/`, team: 'Acme', user: 'support-history', team_id: this.team.id, user_id: this.bot.userId, bot_id: this.bot.botId };
      case 'users.info': {
        const u = this.users.get(String(p.user));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: u.id,
            team_id: u.team_id,
            name: u.name,
            real_name: u.real_name ?? u.name,
            is_bot: u.is_bot ?? false,
            ...(u.is_stranger ? { is_stranger: true } : {}),
            profile: { real_name: u.real_name ?? u.name, display_name: '', ...(u.email ? { email: u.email } : {}) },
          },
        };
      }
      case 'usergroups.users.list': {
        const users = this.usergroups.get(String(p.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'conversations.open': {
        const users = String(p.users ?? '').split(',').filter(Boolean);
        if (users.length !== 1 || !this.users.has(users[0]!)) return { ok: false, error: 'user_not_found' };
        return { ok: true, channel: { id: `D${users[0]!.slice(1)}` } };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(p.length);
        if (!p.filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(this.files.size + 1).padStart(8, '0')}`;
        this.files.set(id, { id, filename: String(p.filename), length, content: null, completed: false });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = (Array.isArray(p.files) ? p.files : []) as Array<{ id?: string; title?: string }>;
        const found = files.map((f) => this.files.get(String(f.id)));
        if (files.length === 0 || found.some((f) => !f || f.content === null)) return { ok: false, error: 'file_not_found' };
        for (const [i, f] of found.entries()) {
          Object.assign(f!, { completed: true, title: files[i]!.title, ...(p.channel_id ? { channelId: String(p.channel_id) } : {}), ...(p.initial_comment ? { initialComment: String(p.initial_comment) } : {}) });
        }
        return { ok: true, files: found.map((f) => ({ id: f!.id, name: f!.filename, title: f!.title ?? f!.filename, size: f!.length })) };
      }
      case 'conversations.list':
        return this.page(this.channels, p, (items) => ({ channels: items }));
      case 'conversations.history': {
        const all = this.messages.get(String(p.channel));
        if (!all) return { ok: false, error: 'channel_not_found' };
        if (!this.channels.find((c) => c.id === p.channel)?.is_member) return { ok: false, error: 'not_in_channel' };
        const roots = all
          .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
          .filter((m) => inWindow(m.ts, p))
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .map((m) => this.withThreadInfo(all, m));
        return this.page(roots, p, (items, more) => ({ messages: items, has_more: more }));
      }
      case 'conversations.replies': {
        const all = this.messages.get(String(p.channel)) ?? [];
        const root = all.find((m) => m.ts === p.ts);
        if (!root) return { ok: false, error: 'thread_not_found' };
        const replies = all.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts && inWindow(m.ts, p)).sort((a, b) => Number(a.ts) - Number(b.ts));
        // As Slack does: the parent message first on every page, then the replies.
        return this.page(replies, p, (items, more) => ({ messages: [this.withThreadInfo(all, root), ...items], has_more: more }));
      }
      case 'views.open':
        // Recorded like a post (the modal a button opened); Slack answers with the view.
        this.posted.push({ method, params: p });
        return { ok: true, view: { id: `V${this.posted.length}`, ...(p.view as Record<string, unknown>) } };
      case 'chat.postMessage':
      case 'chat.postEphemeral':
        this.posted.push({ method, params: p });
        return { ok: true, channel: p.channel, ts: `${Math.floor(Date.now() / 1000)}.000100`, message_ts: `${Math.floor(Date.now() / 1000)}.000100` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private withThreadInfo(all: FakeMessage[], m: FakeMessage): FakeMessage & { reply_count?: number; latest_reply?: string } {
    const replies = all.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
    if (replies.length === 0) return m;
    const latest = replies.map((r) => r.ts).sort((a, b) => Number(b) - Number(a))[0]!;
    return { ...m, thread_ts: m.ts, reply_count: replies.length, latest_reply: latest };
  }

  private page<T>(items: T[], p: Record<string, unknown>, wrap: (items: T[], more: boolean) => Record<string, unknown>): Record<string, unknown> {
    const limit = Math.max(1, Math.min(Number(p.limit ?? 100) || 100, 1000));
    const offset = p.cursor ? Number(Buffer.from(String(p.cursor), 'base64').toString('utf8').replace('offset:', '')) : 0;
    const slice = items.slice(offset, offset + limit);
    const more = offset + limit < items.length;
    return { ok: true, ...wrap(slice, more), response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '' } };
  }
}

function inWindow(ts: string, p: Record<string, unknown>): boolean {
  const t = Number(ts);
  const inclusive = p.inclusive === true || p.inclusive === 'true' || p.inclusive === '1';
  if (p.oldest !== undefined) {
    const o = Number(p.oldest);
    if (inclusive ? t < o : t <= o) return false;
  }
  if (p.latest !== undefined) {
    const l = Number(p.latest);
    if (inclusive ? t > l : t >= l) return false;
  }
  return true;
}

function parseParams(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const qs = parseQs(raw) as Record<string, string>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(qs)) {
    if (typeof v === 'string' && /^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // a plain string after all
      }
    }
    out[k] = v;
  }
  return out;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/** Signs a request body as Slack does (v0 HMAC-SHA256 of `v0:<timestamp>:<body>`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

let tsSeq = 0;

/** A unique Slack ts at (roughly) the given time. */
export function slackTs(at: Date = new Date()): string {
  tsSeq = (tsSeq + 1) % 1000;
  const sec = Math.floor(at.getTime() / 1000);
  const micro = (at.getTime() % 1000) * 1000 + tsSeq;
  return `${sec}.${String(micro).padStart(6, '0')}`;
}
