// The one HTTP server of a process (PORT, or WORKER_PORT for a lone worker): health, readiness, and whatever routes the adapters mount (Slack events).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export class HttpServer {
  private readonly routes = new Map<string, RouteHandler>();
  private readonly prefixes: Array<[string, RouteHandler]> = [];
  private readonly checks: ReadinessCheck[] = [];
  private readonly server: Server;

  constructor(private readonly log: Logger) {
    this.route('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
    this.route('GET', '/readyz', async (_req, res) => {
      // A service that does not answer is not ready, within a bound: a probe never hangs on it.
      const results = await Promise.all(this.checks.map(async (c) => [c.name, await withinMs(c.check(), READINESS_TIMEOUT_MS)] as const));
      const ok = results.every(([, up]) => up);
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
    });
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  /** Serves every method and path under `prefix` (e.g. the queue dashboard) with one handler. */
  mount(prefix: string, handler: RouteHandler): void {
    this.prefixes.push([prefix, handler]);
  }

  addReadinessCheck(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = this.routes.get(`${req.method} ${path}`) ?? this.prefixes.find(([p]) => path === p || path.startsWith(`${p}/`))?.[1];
    if (!handler) {
      const allowed = [...this.routes.keys()].some((k) => k.endsWith(` ${path}`));
      sendJson(res, allowed ? 405 : 404, { error: allowed ? 'method not allowed' : 'not found' });
      return;
    }
    try {
      await handler(req, res);
    } catch (err) {
      this.log.error({ err: (err as Error).message, path, method: req.method }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    }
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const actual = (this.server.address() as AddressInfo).port;
    this.log.info({ port: actual, host }, 'http listening');
    return actual;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}

/** How long /readyz waits for each check before counting it as not ready. */
export const READINESS_TIMEOUT_MS = 2_000;

async function withinMs(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([check.catch(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
