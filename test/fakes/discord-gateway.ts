// A loopback Discord gateway (API v10, JSON encoding, no compression): HELLO, heartbeats, IDENTIFY →
// READY + GUILD_CREATE, dispatches with sequence numbers, RESUME (replaying what the session missed, or
// refusing with INVALID_SESSION), and dropping the connection on demand.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DiscordWorld } from './discord-world.js';

const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for replay on RESUME. */
  log: Array<{ s: number; t: string; d: unknown }>;
  socket: WebSocket | null;
  intents: number;
}

export type ResumeMode = 'replay' | 'invalid';

export interface GatewayRecord {
  op: number;
  d: unknown;
}

export class FakeGateway extends EventEmitter {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private current: Session | null = null;
  private nextSession = 1;
  /** Ops received from clients, in order (IDENTIFY, RESUME, heartbeats…). */
  readonly received: GatewayRecord[] = [];
  /** What a RESUME gets: the missed events then RESUMED, or INVALID_SESSION (forcing a new IDENTIFY). */
  resumeMode: ResumeMode = 'replay';
  identifies = 0;
  resumes = 0;

  constructor(
    private readonly world: DiscordWorld,
    private readonly baseUrl: () => string,
    private readonly applicationId: string,
  ) {
    super();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  get url(): string {
    return this.baseUrl().replace(/^http/, 'ws') + '/gateway';
  }

  /** True while a session is identified and its socket is open. */
  get connected(): boolean {
    return this.current?.socket != null;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.searchParams.get('v') !== '10' || u.searchParams.get('encoding') !== 'json') {
      ws.close(4012, 'Invalid API version');
      return;
    }
    ws.send(JSON.stringify({ op: OP.Hello, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    ws.on('message', (raw) => this.onMessage(ws, raw.toString()));
    ws.on('close', () => {
      for (const s of this.sessions.values()) if (s.socket === ws) s.socket = null;
    });
  }

  private send(ws: WebSocket, payload: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  private onMessage(ws: WebSocket, raw: string): void {
    let p: { op: number; d: any };
    try {
      p = JSON.parse(raw);
    } catch {
      ws.close(4002, 'Decode error');
      return;
    }
    this.received.push({ op: p.op, d: p.op === OP.Identify || p.op === OP.Resume ? { ...p.d, token: '[seen]' } : p.d });
    switch (p.op) {
      case OP.Heartbeat:
        this.send(ws, { op: OP.HeartbeatAck, d: null, s: null, t: null });
        return;
      case OP.Identify:
        return this.identify(ws, p.d);
      case OP.Resume:
        return this.resume(ws, p.d);
      default:
        return;
    }
  }

  private identify(ws: WebSocket, d: { token: string; intents: number }): void {
    if (typeof d?.token !== 'string' || d.token === '') {
      ws.close(4004, 'Authentication failed');
      return;
    }
    this.identifies += 1;
    const session: Session = { id: `session-${this.nextSession++}`, seq: 0, log: [], socket: ws, intents: d.intents };
    this.sessions.set(session.id, session);
    this.current = session;
    const guilds = [...this.world.guilds.keys()];
    this.dispatch('READY', {
      v: 10,
      user: { ...this.world.userPayload(this.world.botUser), verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.url,
      shard: [0, 1],
      application: { id: this.applicationId, flags: 0 },
    });
    for (const id of guilds) this.dispatch('GUILD_CREATE', this.world.guildCreatePayload(id));
    this.emit('identified', session.id);
  }

  private resume(ws: WebSocket, d: { session_id: string; seq: number }): void {
    const session = this.sessions.get(d?.session_id);
    if (!session || this.resumeMode === 'invalid') {
      this.send(ws, { op: OP.InvalidSession, d: false, s: null, t: null });
      this.emit('invalid-session');
      return;
    }
    this.resumes += 1;
    session.socket = ws;
    this.current = session;
    for (const e of session.log) if (e.s > d.seq) this.send(ws, { op: OP.Dispatch, ...e });
    session.seq += 1;
    const resumed = { s: session.seq, t: 'RESUMED', d: null };
    session.log.push(resumed);
    this.send(ws, { op: OP.Dispatch, ...resumed });
    this.emit('resumed', session.id);
  }

  /**
   * Sends a dispatch on the current session. While its socket is down the event is only logged, as Discord
   * keeps it for a RESUME.
   */
  dispatch(t: string, d: unknown): void {
    const session = this.current;
    if (!session) return;
    session.seq += 1;
    const e = { s: session.seq, t, d };
    session.log.push(e);
    if (session.socket) this.send(session.socket, { op: OP.Dispatch, ...e });
  }

  /** Cuts the connection without a close frame (the client sees 1006) — a network drop. */
  drop(): void {
    const ws = this.current?.socket;
    if (this.current) this.current.socket = null;
    ws?.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
