// The operators' queue dashboard (bull-board) at /admin/queues, behind HTTP basic auth. It is mounted only
// when DASHBOARD_USER and DASHBOARD_PASSWORD are configured; without them the path answers 404.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { Logger } from '../logger.js';

export const DASHBOARD_PATH = '/admin/queues';

export interface DashboardAuth {
  user: string;
  password: string;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time check of an `Authorization: Basic …` header against the configured credentials. */
export function basicAuthMatches(header: string | undefined, auth: DashboardAuth): boolean {
  if (!header || !/^Basic [A-Za-z0-9+/=]{1,1024}$/.test(header)) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(auth.user));
  const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(auth.password));
  return userOk && passOk;
}

/** A request handler serving bull-board under DASHBOARD_PATH for the given queues. */
export function createDashboard(queues: Queue[], auth: DashboardAuth, log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  const app = express();
  app.disable('x-powered-by');
  app.use(DASHBOARD_PATH, (req, res, next) => {
    if (basicAuthMatches(req.headers.authorization, auth)) return next();
    log.warn({ path: req.path, ip: req.socket.remoteAddress }, 'queue dashboard: authentication failed');
    res.setHeader('WWW-Authenticate', 'Basic realm="support-history queues", charset="UTF-8"');
    res.status(401).type('text/plain').send('authentication required\n');
  });
  app.use(DASHBOARD_PATH, serverAdapter.getRouter());
  return (req, res) => app(req as never, res as never);
}
