// `npm start` as a user runs it: with Redis unreachable it says so in one line naming REDIS_URL and exits
// non-zero within seconds (it used to run on, printing stack traces); running, a SIGTERM to npm stops the app
// with it (npm's shell execs node, so nothing is orphaned and the port is freed).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTestEnv, testEnv, type TestEnv } from '../helpers/env.js';
import { freePort, waitForPort } from '../helpers/servers.js';
import { until } from '../faults/harness.js';

let env: TestEnv;
const started: ChildProcess[] = [];

beforeAll(() => {
  env = testEnv(import.meta.filename);
});
afterAll(async () => {
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await cleanupTestEnv(env).catch(() => undefined);
});

function npmStart(vars: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const mongo = new URL(env.mongoUrl);
  mongo.pathname = `/${env.dbName}`;
  const child = spawn('npm', ['start'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MONGO_URL: mongo.toString(), REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...vars },
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

function groupAlive(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[2]) === pgid && fields[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('npm start', () => {
  it('exits non-zero within seconds with one line naming REDIS_URL when Redis is unreachable', async () => {
    const closed = await freePort();
    const t0 = Date.now();
    const run = npmStart({ REDIS_URL: `redis://127.0.0.1:${closed}`, PORT: String(await freePort()) });
    expect(await run.exit).toBe(1);
    expect((Date.now() - t0) / 1000).toBeLessThan(30); // npm and the code loading included
    expect(run.err()).toContain(`support-history: cannot reach Redis at redis://127.0.0.1:${closed} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${closed}\n`);
    expect(run.err().match(/ECONNREFUSED/g)).toHaveLength(1);
    expect(run.err()).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);

  it('stops the app with npm on SIGTERM: no process left, port free', async () => {
    const port = await freePort();
    const run = npmStart({ PORT: String(port) });
    await until('/healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok === true, 120_000, 250);
    expect(groupAlive(run.child.pid!).length).toBeGreaterThanOrEqual(2); // npm and the app
    process.kill(run.child.pid!, 'SIGTERM');
    await run.exit;
    await until('every process of npm start to end', async () => groupAlive(run.child.pid!).length === 0, 40_000, 200);
    await waitForPort(port, false, 5_000);
    expect(run.out()).toMatch(/"msg":"stopped"/);
  }, 180_000);
});
