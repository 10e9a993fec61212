// docs/quickstart.md, no-Docker path, followed literally twice in a row (issue 18 items 1 and 2): the page's
// shell blocks are read from the page and run in order by bash, in a scratch copy of the checkout (symbolic
// links to it, with its own .env and .services), from a new empty database each time and under the same Redis
// and queue prefix. Each round must end with every sample message tagged, and both rounds must print the same
// history and digest. What the page asked of the first run once went wrong: `cp .env.example .env` pointed at
// 27017 while the services were on 27027; and the second run tagged nothing (its jobs were swallowed by the
// first run's completed ones).
//
// Only what running beside other tests needs is added to the environment: a free FERRETDB_PORT, a queue prefix
// and an HTTP port of this test's own. `npm install` is taken as done (the checkout is installed).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseDotenv } from 'dotenv';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/servers.js';

const ROOT = resolve(import.meta.dirname, '..');
const PAGE = join(ROOT, 'docs/quickstart.md');

interface Step {
  line: string;
  kind: 'run' | 'background' | 'wait-tagged' | 'skip';
}

/** The page's shell commands in order, without the Docker blocks and comments. */
export function quickstartSteps(markdown: string): { steps: Step[]; stop: string } {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const lines = blocks
    .filter((b) => !/\bdocker\b/.test(b))
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stop = lines.find((l) => /services -- stop/.test(l));
  if (!stop) throw new Error('the quick start has no `npm run services -- stop` step');
  const steps = lines
    .filter((l) => l !== stop)
    .map((line): Step => {
      if (/^npm (install|ci)\b/.test(line)) return { line, kind: 'skip' };
      if (/support-history worker\b/.test(line)) return { line, kind: 'background' };
      if (/support-history status\b/.test(line)) return { line, kind: 'wait-tagged' };
      return { line, kind: 'run' };
    });
  return { steps, stop };
}

let dir: string;
let env: Record<string, string>;
const prefix = `t_quickstart_${randomBytes(3).toString('hex')}`;
const running = new Set<ChildProcess>();

function sh(line: string, timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-o', 'pipefail', '-c', line], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return once(child, 'close').then(([code]) => {
    clearTimeout(timer);
    return { code: code as number | null, stdout, stderr };
  });
}

/** Starts a long-running step in its own process group (so stopping it stops npx and the node under it). */
function background(line: string): { child: ChildProcess; out: () => string; stop: () => Promise<void> } {
  const child = spawn('bash', ['-c', `exec ${line}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGINT'); // Ctrl-C, as the page says
      const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    }
    running.delete(child);
  };
  return { child, out: () => out, stop };
}

interface Round {
  outputs: Record<string, string>;
  messages: number;
  untagged: number;
  progress: boolean;
  /** The worker's log lines, for the failure message. */
  workerLog: string;
}

async function round(): Promise<Round> {
  const { steps, stop } = quickstartSteps(await readFile(PAGE, 'utf8'));
  const outputs: Record<string, string> = {};
  let worker: ReturnType<typeof background> | null = null;
  try {
    for (const step of steps) {
      if (step.kind === 'skip') continue;
      if (step.kind === 'background') {
        worker = background(step.line);
        continue;
      }
      if (step.kind === 'wait-tagged') {
        const deadline = Date.now() + 180_000;
        for (;;) {
          const r = await sh(step.line);
          expect(r.stderr, `${step.line} wrote to stderr`).toBe('');
          expect(r.code).toBe(0);
          if (r.stdout.startsWith('Messages waiting to be tagged: 0 (tagging is done)\n')) break;
          if (worker?.child.exitCode != null) throw new Error(`the worker exited: ${worker.out().slice(-2000)}`);
          if (Date.now() > deadline) throw new Error(`tagging not done within 180 s; last status:\n${r.stdout}\nworker:\n${worker?.out().slice(-2000)}`);
        }
        continue;
      }
      const r = await sh(step.line);
      expect(r.code, `${step.line}\n${r.stderr}`).toBe(0);
      outputs[step.line] = r.stdout;
    }
    // Every sample message is stored and tagged, in the database the page's .env names.
    const dotenv = parseDotenv(await readFile(join(dir, '.env')));
    const conn = await mongoose.createConnection(dotenv.MONGO_URL!, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    let messages: number;
    let untagged: number;
    try {
      messages = await conn.collection('messages').countDocuments({});
      untagged = await conn.collection('messages').countDocuments({ needsTagging: true });
    } finally {
      await conn.close();
    }
    await worker?.stop();
    const workerLog = worker?.out() ?? '';
    const progress = /tagging caught up/.test(workerLog);
    worker = null;
    const stopped = await sh(stop);
    expect(stopped.code, stopped.stderr).toBe(0);
    return { outputs, messages, untagged, progress, workerLog };
  } finally {
    await worker?.stop();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quickstart-'));
  // The checkout as a user has it, minus its own .env and services state.
  for (const name of await readdir(ROOT)) {
    if (['.env', '.services', '.git'].includes(name)) continue;
    await symlink(join(ROOT, name), join(dir, name));
  }
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    FERRETDB_PORT: String(await freePort()),
    QUEUE_PREFIX: prefix,
    PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  };
  if (process.env.FERRETDB_POSTGRESQL_URL) env.FERRETDB_POSTGRESQL_URL = process.env.FERRETDB_POSTGRESQL_URL;
});

afterAll(async () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (dir) {
    await sh('npm run services -- stop').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}, 120_000);

describe('docs/quickstart.md without Docker', () => {
  it('lists the steps this test runs', async () => {
    const { steps, stop } = quickstartSteps(await readFile(PAGE, 'utf8'));
    expect(steps.map((s) => `${s.kind}: ${s.line}`)).toEqual([
      'skip: npm install',
      'run: cp .env.example .env',
      'run: npm run services -- start | grep _URL= >> .env',
      'run: npx support-history import slack samples/slack-export --channel support --agent U0AGENT01',
      'run: npx support-history import discord samples/discord-export --agent-role Support',
      'background: npx support-history worker',
      'wait-tagged: npx support-history status',
      'run: npx support-history history maple.finch@example.com',
      'run: npx support-history history "Otto"',
      'run: npx support-history history slack:U0MAPLE01',
      'run: npx support-history digest --week 2026-W47',
    ]);
    expect(stop).toBe('npm run services -- stop');
  });

  it('run twice in a row, from an empty database each time under the same Redis, tags every sample message and answers the same', async () => {
    const first = await round();
    const second = await round();
    // 13 Slack documents (12 messages and the record of a deleted one) and 7 Discord messages, all tagged; the
    // worker said when it had caught up.
    for (const r of [first, second]) {
      expect({ messages: r.messages, untagged: r.untagged, progress: r.progress }).toEqual({ messages: 20, untagged: 0, progress: true });
    }
    const history = first.outputs['npx support-history history maple.finch@example.com']!;
    expect(history.split('\n')[0]).toBe('Customer: Maple Finch  (slack:T0LUMEN01:U0MAPLE01)');
    expect(history).toContain('  Messages      3');
    expect(first.outputs['npx support-history history slack:U0MAPLE01']).toBe(history);
    expect(first.outputs['npx support-history history "Otto"']!.split('\n')[0]).toBe('Customer: Otto Quill  (slack:T0LUMEN01:U0OTTO001)');
    expect(first.outputs['npx support-history digest --week 2026-W47']).toContain('Support digest 2026-W47 — slack T0LUMEN01');
    const answers = (r: Round) => Object.fromEntries(Object.entries(r.outputs).filter(([line]) => /support-history (history|digest) /.test(line)));
    const logs = (r: Round) => r.workerLog.split('\n').map((l) => /"msg":"([^"]*)"/.exec(l)?.[1]).filter(Boolean).join('\n');
    expect(answers(second), `worker, first round:\n${logs(first)}\nworker, second round:\n${logs(second)}`).toEqual(answers(first));
  }, 900_000);
});
