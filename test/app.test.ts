// The product as a user runs it: the CLI entry point as a child process against the test services.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import '../bin/app.js'; // loads every module that declares a collection
import { declaredCollections } from '../src/db/collections.js';
import { serverInfo } from '../src/db/connection.js';
import { PARTITIONED } from '../src/history/store.js';
import { Message } from '../src/db/models.js';
import { startPipeline, slackMessage, type Pipeline } from './helpers/pipeline.js';

const TSX = 'node_modules/.bin/tsx';

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

function run(args: string[], env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(TSX, ['bin/cli.ts', ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

let p: Pipeline;
beforeAll(async () => {
  // No worker here: the child process must do the tagging.
  p = await startPipeline(import.meta.filename, { worker: false });
});
afterAll(async () => {
  await p?.close();
});

describe('support-history start', () => {
  it('exits non-zero with one line naming a malformed variable', async () => {
    const { child, err } = run(['start'], { PORT: 'abc' });
    expect(await exitCode(child)).toBe(2);
    expect(err().trim()).toBe('support-history: configuration error: PORT must be a whole number from 0 to 65535 (got "abc")');
  }, 60_000);

  it('names a missing platform variable too', async () => {
    const { child, err } = run(['bot'], { SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(await exitCode(child)).toBe(2);
    expect(err()).toMatch(/SLACK_SIGNING_SECRET is required/);
  }, 60_000);

  it('runs the worker and /healthz with no platform configured, tags what is captured, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const mongoUrl = new URL(p.env.mongoUrl);
    mongoUrl.pathname = `/${p.env.dbName}`;
    const app = run(['start'], { MONGO_URL: mongoUrl.toString(), REDIS_URL: p.env.redisUrl, PORT: String(port), HOST: '127.0.0.1', QUEUE_PREFIX: p.env.prefix, LOG_LEVEL: 'info' });
    try {
      // Wait for the server to come up by polling its health endpoint (bounded: a loaded 2-core machine
      // takes a while to start tsx, connect and train the tagger).
      let health: Response | null = null;
      const deadline = Date.now() + 90_000;
      while (!health && Date.now() < deadline && app.child.exitCode === null) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
        if (!health) await new Promise((r) => setTimeout(r, 200));
      }
      expect(health?.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { mongodb: true, redis: true } });
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
      expect(app.out()).toMatch(/no platform configured/);
      // Ready means every collection the product writes exists (on FerretDB a collection created mid-stream can
      // be left half-made by a server crash; MongoDB creates them atomically on first write).
      const onFerret = (await serverInfo()).ferretdb !== null;
      const present = new Set((await mongoose.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
      expect(declaredCollections()).toEqual(expect.arrayContaining([...PARTITIONED, 'conversation_runs', 'customer_groups', 'digests', 'slack_thread_activity', 'surveys']));
      expect(onFerret ? declaredCollections().filter((n) => !present.has(n)) : []).toEqual([]);

      const msg = slackMessage({ workspaceId: 'TAPP1' });
      const captured = await p.capture.capture(msg);
      await p.waitForTag(captured.messageKey, 0);
      expect(await Message.findById(captured.messageKey).lean()).toMatchObject({ needsTagging: false });

      app.child.kill('SIGTERM');
      expect(await exitCode(app.child)).toBe(0);
      expect(app.out()).toMatch(/"msg":"stopped"/);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  }, 180_000);
});
