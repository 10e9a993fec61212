// The Slack adapter as a user runs it: `support-history bot` as a child process, configured only through
// SLACK_* variables, against the loopback fake Web API; events arrive at POST /slack/events on PORT.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/domain/keys.js';
import { Message } from '../../src/db/models.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { FakeSlackApi, slackSignature, slackTs } from '../fakes/slack-api.js';
import { SECRET, SUPPORT, TEAM, seedDirectory } from './harness.js';

let p: Pipeline;
let fake: FakeSlackApi;

beforeAll(async () => {
  p = await startPipeline(import.meta.filename, { worker: false });
  fake = new FakeSlackApi();
  await fake.start();
  seedDirectory(fake);
});
afterAll(async () => {
  await fake?.close();
  await p?.close();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

/** Resolves when the child logs a line matching `re` (read as it is written; never polled). */
function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 150_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no log line ${re} within ${timeoutMs} ms:\n${buf.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => re.test(l));
      if (line) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(line);
      }
    };
    child.stdout!.on('data', onData);
  });
}

describe('support-history bot with Slack configured', () => {
  it('backfills on start, takes signed events on PORT and stops cleanly', async () => {
    const old = fake.addMessage(SUPPORT, { ts: slackTs(new Date(Date.now() - 48 * 3600_000)), user: 'UCUST1', text: 'posted before the first start' });
    const port = await freePort();
    const mongoUrl = new URL(p.env.mongoUrl);
    mongoUrl.pathname = `/${p.env.dbName}`;
    const child = spawn('node_modules/.bin/tsx', ['bin/cli.ts', 'bot'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MONGO_URL: mongoUrl.toString(),
        REDIS_URL: p.env.redisUrl,
        QUEUE_PREFIX: p.env.prefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        SLACK_SUPPORT_CHANNELS: '#support',
        SLACK_AGENT_USERGROUPS: 'S0AGENTS',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const backfilled = waitForLine(child, /"msg":"slack backfill done"/);
      await waitForLine(child, /"msg":"slack adapter started"/);
      expect(JSON.parse(await backfilled)).toMatchObject({ workspaceId: TEAM, channels: 1, stored: 1 });
      expect(await Message.findById(messageKey('slack', TEAM, SUPPORT, old.ts)).lean()).toMatchObject({ source: 'backfill', text: 'posted before the first start' });

      const ts = slackTs();
      const body = JSON.stringify({ type: 'event_callback', team_id: TEAM, event_id: 'EvAPP1', event_time: Math.floor(Date.now() / 1000), event: { type: 'message', channel: SUPPORT, channel_type: 'channel', user: 'UCUST2', ts, text: 'hello from the live app' } });
      const at = Math.floor(Date.now() / 1000);
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(at), 'x-slack-signature': slackSignature(SECRET, at, body) },
        body,
      });
      expect(res.status).toBe(200);
      expect(await Message.findById(messageKey('slack', TEAM, SUPPORT, ts)).lean()).toMatchObject({ text: 'hello from the live app', author: { name: 'Dave Díaz', role: 'customer' } });
      const forged = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(at), 'x-slack-signature': 'v0=00' }, body });
      expect(forged.status).toBe(401);

      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code, err).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
