// Any number of workers run on one host beside a bot (issue 18 item 4): through the real CLI, a bot and two
// workers started with the same PORT (as one .env gives them) all run; each worker serves health and metrics
// on a port of its own, logged at start; WORKER_PORT fixes a worker's port. And LOG_FORMAT=pretty gives
// readable lines where the default, on a pipe, stays JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli-process.js';
import { cleanupTestEnv, testEnv, type TestEnv } from '../helpers/env.js';
import { spawn } from 'node:child_process';
import { freePort } from '../helpers/servers.js';
import { until } from '../faults/harness.js';

let env: TestEnv;
const running: CliProcess[] = [];

beforeAll(() => {
  env = testEnv(import.meta.filename);
});
afterAll(async () => {
  for (const p of running) await p.kill('SIGTERM');
  await cleanupTestEnv(env).catch(() => undefined);
});

function start(command: 'bot' | 'worker', vars: Record<string, string> = {}): CliProcess {
  const mongo = new URL(env.mongoUrl);
  mongo.pathname = `/${env.dbName}`;
  const p = runCli([command], { MONGO_URL: mongo.toString(), REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...vars });
  running.push(p);
  return p;
}

/** The port a process logged in its "http listening" line. */
async function listeningPort(p: CliProcess): Promise<number> {
  await p.waitForLog(/"msg":"http listening"/, 120_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.out().slice(-1500)}`);
  });
  const line = p.out().split('\n').find((l) => l.includes('"msg":"http listening"'))!;
  return (JSON.parse(line) as { port: number }).port;
}

async function health(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
}

describe('workers on one host', () => {
  it('a bot and two workers with the same PORT all run; each worker on a port of its own, logged', async () => {
    const port = await freePort();
    const bot = start('bot', { PORT: String(port) });
    const w1 = start('worker', { PORT: String(port) });
    const w2 = start('worker', { PORT: String(port) });
    const [botPort, p1, p2] = await Promise.all([listeningPort(bot), listeningPort(w1), listeningPort(w2)]);
    expect(botPort).toBe(port);
    expect(new Set([botPort, p1, p2]).size).toBe(3);
    for (const p of [botPort, p1, p2]) expect(await health(p)).toBe(200);
    expect((await fetch(`http://127.0.0.1:${p1}/metrics`)).status).toBe(200);
    for (const p of [bot, w1, w2]) {
      expect(p.child.exitCode).toBeNull();
      expect(p.out() + p.err()).not.toMatch(/EADDRINUSE/);
    }
    for (const p of [bot, w1, w2]) expect(await p.kill('SIGTERM')).toBe(0);
  }, 240_000);

  it('WORKER_PORT fixes the port of a worker', async () => {
    const fixed = await freePort();
    const w = start('worker', { WORKER_PORT: String(fixed), PORT: String(fixed + 1) });
    expect(await listeningPort(w)).toBe(fixed);
    expect(await health(fixed)).toBe(200);
    expect(await w.kill('SIGTERM')).toBe(0);
  }, 120_000);
});

describe('log format', () => {
  it('LOG_FORMAT=pretty writes readable lines; the default on a pipe is JSON', async () => {
    const pretty = start('worker', { LOG_FORMAT: 'pretty' });
    await pretty.waitForLog(/INFO.*http listening/, 120_000);
    const line = pretty.out().split('\n').find((l) => l.includes('worker started'))!;
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: worker started/);
    expect(line).not.toMatch(/\u001b\[/); // no colours on a pipe
    expect(pretty.out()).not.toMatch(/^\{"level"/m);
    expect(await pretty.kill('SIGTERM')).toBe(0);

    // By default (LOG_FORMAT=auto) a terminal gets coloured pretty lines: the worker run in a pseudo-terminal.
    const mongo = new URL(env.mongoUrl);
    mongo.pathname = `/${env.dbName}`;
    const tty = spawn('script', ['-qec', `${process.execPath} --import tsx bin/cli.ts worker`, '/dev/null'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MONGO_URL: mongo.toString(), REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, HOST: '127.0.0.1' },
    });
    let screen = '';
    tty.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
    try {
      await until('the worker to start in a terminal', async () => /worker started/.test(screen), 120_000, 100);
      expect(screen).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] \u001b\[32mINFO\u001b\[39m: \u001b\[36mworker started/);
    } finally {
      process.kill(-tty.pid!, 'SIGTERM');
    }

    const json = start('worker', {});
    await json.waitForLog(/"msg":"http listening"/, 120_000);
    for (const l of json.out().trim().split('\n')) expect(() => JSON.parse(l), l).not.toThrow();
    expect(await json.kill('SIGTERM')).toBe(0);
  }, 240_000);
});
