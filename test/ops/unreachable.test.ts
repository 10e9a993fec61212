// MongoDB or Redis unreachable, through the real CLI process (`support-history start`): at start, one line
// naming the service, its address and its variable, and a non-zero exit within seconds; after start, /readyz
// says not ready, the process retries quietly (one line when the service goes, one when it is back) and
// serves again once it is back.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli-process.js';
import { cleanupTestEnv, testEnv, type TestEnv } from '../helpers/env.js';
import { freePort, OwnFerret, OwnRedis } from '../helpers/servers.js';
import { until } from '../faults/harness.js';

let env: TestEnv;
const running: CliProcess[] = [];

beforeAll(() => {
  env = testEnv(import.meta.filename);
});
afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  await cleanupTestEnv(env).catch(() => undefined);
});

function mongoUrl(): string {
  const u = new URL(env.mongoUrl);
  u.pathname = `/${env.dbName}`;
  return u.toString();
}

async function exitOf(p: CliProcess): Promise<number | null> {
  if (p.child.exitCode !== null) return p.child.exitCode;
  const [code] = (await once(p.child, 'exit')) as [number | null];
  return code;
}

function start(vars: Record<string, string>): CliProcess {
  const p = runCli(['start'], { HOST: '127.0.0.1', QUEUE_PREFIX: env.prefix, LOG_LEVEL: 'info', ...vars });
  running.push(p);
  return p;
}

async function readyz(port: number): Promise<{ status: number; body: { status: string; checks: Record<string, boolean> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, boolean> } };
}

const lines = (text: string, pattern: RegExp): string[] => text.split('\n').filter((l) => pattern.test(l));

describe('a service unreachable at start', () => {
  it('Redis on a closed port: one line naming REDIS_URL and its address, exit 1, within seconds', async () => {
    const closed = await freePort();
    const t0 = Date.now();
    const p = start({ MONGO_URL: mongoUrl(), REDIS_URL: `redis://127.0.0.1:${closed}`, PORT: String(await freePort()) });
    expect(await exitOf(p)).toBe(1);
    const seconds = (Date.now() - t0) / 1000;
    expect(p.err()).toBe(`support-history: cannot reach Redis at redis://127.0.0.1:${closed} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${closed}\n`);
    // No stack traces, no warnings per connection: the only mention of the refused port is that line.
    expect(p.out()).not.toMatch(/ECONNREFUSED/);
    expect(seconds).toBeLessThan(30); // loading the code included (seconds on a loaded machine); the check gives up after 5 s
  }, 60_000);

  it('MongoDB on a closed port: one line naming MONGO_URL (password hidden), exit 1, after CONNECT_TIMEOUT_SECONDS', async () => {
    const closed = await freePort();
    const t0 = Date.now();
    const p = start({ MONGO_URL: `mongodb://ops:s3cret@127.0.0.1:${closed}/x`, REDIS_URL: env.redisUrl, PORT: String(await freePort()), CONNECT_TIMEOUT_SECONDS: '2' });
    expect(await exitOf(p)).toBe(1);
    const seconds = (Date.now() - t0) / 1000;
    expect(p.err()).toBe(`support-history: cannot reach MongoDB at mongodb://ops:***@127.0.0.1:${closed}/x (MONGO_URL): connect ECONNREFUSED 127.0.0.1:${closed}\n`);
    expect(p.out()).toBe('');
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(30);
  }, 60_000);

  it('both unreachable: a line for each', async () => {
    const [m, r] = [await freePort(), await freePort()];
    const p = start({ MONGO_URL: `mongodb://127.0.0.1:${m}/x`, REDIS_URL: `redis://127.0.0.1:${r}`, PORT: String(await freePort()), CONNECT_TIMEOUT_SECONDS: '1' });
    expect(await exitOf(p)).toBe(1);
    expect(p.err().split('\n')).toEqual([
      `support-history: cannot reach MongoDB at mongodb://127.0.0.1:${m}/x (MONGO_URL): connect ECONNREFUSED 127.0.0.1:${m}`,
      `support-history: cannot reach Redis at redis://127.0.0.1:${r} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${r}`,
      '',
    ]);
  }, 60_000);
});

describe('a service lost after start', () => {
  it('Redis: not ready, one line when it goes and one when it is back, no flood, ready again', async () => {
    const redis = await OwnRedis.start();
    try {
      const port = await freePort();
      const p = start({ MONGO_URL: mongoUrl(), REDIS_URL: redis.url, PORT: String(port) });
      await p.waitForLog(/"msg":"worker started"/, 60_000);
      await p.waitForLog(/"msg":"http listening"/, 60_000);
      expect(await readyz(port)).toEqual({ status: 200, body: { status: 'ready', checks: { mongodb: true, redis: true } } });

      const before = p.out().length;
      await redis.down();
      await until('/readyz to report Redis not ready', async () => {
        const r = await readyz(port);
        return r.status === 503 && r.body.checks.redis === false && r.body.checks.mongodb === true;
      }, 20_000, 200);
      await p.waitForLog(/Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) is unreachable/, 20_000);
      // An observation window (not a wait for work): every connection retries meanwhile, a dozen times or more.
      await new Promise((r) => setTimeout(r, 8_000));
      const during = p.out().slice(before);
      expect(lines(during, /is unreachable/)).toHaveLength(1);
      expect(lines(during, /ECONNREFUSED|Connection is closed|Stream isn't writeable/)).toHaveLength(1);
      expect(lines(during, /"level":(40|50|60)/)).toHaveLength(1);
      expect(p.err()).toBe('');
      expect(p.child.exitCode).toBeNull();

      await redis.up();
      await p.waitForLog(/Redis at redis:\/\/127\.0\.0\.1:\d+ is reachable again after \d+ s/, 30_000);
      await until('/readyz to report ready again', async () => (await readyz(port)).status === 200, 30_000, 200);
      expect(lines(p.out().slice(before), /reachable again/)).toHaveLength(1);
      expect(await p.kill('SIGTERM'), p.out().slice(-2000)).toBe(0);
    } finally {
      await redis.down().catch(() => undefined);
    }
  }, 180_000);

  it('MongoDB: not ready, one line when it goes and one when it is back, no flood, ready again', async () => {
    const ferret = await OwnFerret.start();
    try {
      const port = await freePort();
      const p = start({ MONGO_URL: ferret.url(env.dbName), REDIS_URL: env.redisUrl, PORT: String(port) });
      await p.waitForLog(/"msg":"http listening"/, 60_000);
      expect((await readyz(port)).status).toBe(200);

      const before = p.out().length;
      await ferret.crash();
      await until('/readyz to report MongoDB not ready', async () => {
        const r = await readyz(port);
        return r.status === 503 && r.body.checks.mongodb === false && r.body.checks.redis === true;
      }, 30_000, 200);
      await p.waitForLog(/MongoDB at mongodb:\/\/127\.0\.0\.1:\d+\/\S+ \(MONGO_URL\) is unreachable/, 30_000);
      await new Promise((r) => setTimeout(r, 8_000));
      const during = p.out().slice(before);
      expect(lines(during, /is unreachable/)).toHaveLength(1);
      expect(lines(during, /"level":(40|50|60)/)).toHaveLength(1);
      expect(p.err()).toBe('');

      await ferret.up();
      await p.waitForLog(/MongoDB at mongodb:\/\/127\.0\.0\.1:\d+\/\S+ is reachable again after \d+ s/, 60_000);
      await until('/readyz to report ready again', async () => (await readyz(port)).status === 200, 30_000, 200);
      expect(await p.kill('SIGTERM')).toBe(0);
    } finally {
      await ferret.close().catch(() => undefined);
    }
  }, 240_000);
});
