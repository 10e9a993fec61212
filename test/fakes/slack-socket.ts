// A loopback fake of Slack's Socket Mode server: hands out envelopes over a WebSocket as Slack documents
// them (hello, events_api, slash_commands) and records the client's acknowledgements.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export class FakeSlackSocket extends EventEmitter {
  private wss: WebSocketServer | null = null;
  private socket: WebSocket | null = null;
  acks: SocketAck[] = [];
  url = '';

  async start(): Promise<void> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.wss!.once('listening', () => resolve()));
    this.url = `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/link/?ticket=test`;
    this.wss.on('connection', (ws) => {
      this.socket = ws;
      ws.on('message', (data) => {
        const ack = JSON.parse(String(data)) as SocketAck;
        this.acks.push(ack);
        this.emit('ack', ack);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0APP' } }));
      this.emit('connected');
    });
  }

  /** Sends one envelope; returns its id. */
  send(type: 'events_api' | 'slash_commands' | 'interactive', payload: Record<string, unknown>, retryAttempt = 0): string {
    if (!this.socket) throw new Error('no Socket Mode client connected');
    const envelope_id = randomBytes(8).toString('hex');
    this.socket.send(
      JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: retryAttempt, retry_reason: retryAttempt > 0 ? 'timeout' : '' }),
    );
    return envelope_id;
  }

  /** Resolves with the ack of an envelope, or null if none came within `ms` (Slack would redeliver then). */
  waitForAck(envelopeId: string, ms: number): Promise<SocketAck | null> {
    const found = this.acks.find((a) => a.envelope_id === envelopeId);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.off('ack', onAck);
        resolve(null);
      }, ms);
      const onAck = (a: SocketAck): void => {
        if (a.envelope_id !== envelopeId) return;
        clearTimeout(timer);
        this.off('ack', onAck);
        resolve(a);
      };
      this.on('ack', onAck);
    });
  }

  async close(): Promise<void> {
    for (const c of this.wss?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }
}
