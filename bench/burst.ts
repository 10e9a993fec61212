// Slack burst into `npm start` (issue 20, first target): N signed Events API `message` events, 32 in flight, POSTed
// to /slack/events of the product started exactly as a user starts it (`npm start`, HTTP mode, configured only
// through its environment), against the loopback fake Slack Web API of the tests (test/fakes/slack-api.ts:
// auth.test, users.info, usergroups.users.list, conversations.list/history). Measured as a user sees it:
//
//   - the acknowledgement latency of every first delivery (HTTP response time of the signed POST): p50, p95, max,
//     and how many took longer than Slack's 3-second limit (Slack would retry those; no retry is sent here unless
//     a delivery failed, so the product gets the burst once);
//   - the time until every message is stored and tagged (the bench polls the app's database: N messages and none
//     with `needsTagging`, what `support-history status` counts as waiting to be tagged), as messages/s from the
//     first POST;
//   - the same-run baselines on the same server, after the app stopped: a plain `insertMany` of the stored
//     documents (as many, the same size) into a fresh collection (docs/s), and `insertOne` of each with 32 in
//     flight (the latency of one durable write, the floor of an acknowledgement after the write);
//   - where the time goes: CPU seconds (/proc/<pid>/stat utime+stime) during the burst of the app (npm and its
//     child, the bot and the worker in one process), FerretDB (found by its listening port), PostgreSQL (every
//     postgres process, with the reaped ones through the postmaster; and the backends of FerretDB's database),
//     Redis, and the bench process itself (signing, HTTP client, the fake Web API); the same components during
//     the insertMany baseline.
//
// Events: bench/generate.ts's workspace (100 customers, 5 agents in the agents' user group, 5 support channels,
// conversations as threads or runs of channel messages, agents replying) with new messages only (no edits or
// deletes: N events = N messages), as the Events API delivers them: `event_callback` envelopes with token,
// team_id, api_app_id, event_id, event_time, authorizations, and the `message` event (channel, user, text, ts,
// event_ts, channel_type, thread_ts and parent_user_id on thread replies).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { QUEUE } from '../src/queue.js';
import { FakeSlackApi, slackSignature } from '../test/fakes/slack-api.js';
import { freePort } from '../test/helpers/servers.js';
import { generateWorkspace, slackWorkspace } from './generate.js';
import { percentile, type Row } from './lib.js';
import { AGENT_GROUP } from './slack.js';

export interface BurstOptions {
  mongoUrl: string;
  redisUrl: string;
  /** Message events in the burst (full: 1,000; quick: 150). */
  events: number;
  /** Deliveries in flight at once (32). */
  inFlight: number;
  seed: number;
  customers?: number;
  /** Give up waiting for the messages to be stored and tagged after this long. */
  timeoutMs: number;
  /** The quick run's budget (ms since the epoch): the app must be ready by then, and done 10 s after it. */
  readyBy?: number;
}

const SLACK_ACK_LIMIT_MS = 3_000;
const SECRET = 'bench-signing-secret-0123456789abcdef';
const APP_ID = 'A0BENCHAPP';
const verbose = process.env.BENCH_VERBOSE === '1';
const note = (s: string): void => {
  if (verbose) console.error(`[burst ${new Date().toISOString().slice(11, 19)}] ${s}`);
};

// ---------------------------------------------------------------------------------------------------------
// CPU time from /proc

const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, seconds */
  own: number;
  /** cutime + cstime (children it has reaped), seconds */
  reaped: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = s.indexOf('(');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    return { pid, ppid: Number(f[1]), comm: s.slice(open + 1, close), own: (Number(f[11]) + Number(f[12])) / CLK_TCK, reaped: (Number(f[13]) + Number(f[14])) / CLK_TCK };
  } catch {
    return null; // exited meanwhile
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** The pid of the process listening on a TCP port (loopback or any address), from /proc/net/tcp{,6} and fds. */
function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // LISTEN
      if (parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${name}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(name);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

interface Watched {
  appRoot: number | null;
  ferretdb: number | null;
  /** FerretDB's PostgreSQL database (from its --postgresql-url), whose backends are counted apart. */
  ferretPgDb: string | null;
  redis: number | null;
}

interface CpuSnap {
  at: number;
  app: number;
  ferretdb: number;
  postgres: number;
  postgresFerretDb: number;
  redis: number;
  bench: number;
  /** Every process on the machine (/proc/stat: all but idle and iowait), for what the other work took. */
  machine: number;
}

function machineBusy(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    return (f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3]! - f[4]!) / CLK_TCK;
  } catch {
    return NaN;
  }
}

function snapshot(w: Watched): CpuSnap {
  const stats = allStats();
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  // The app: npm, the node it execs (bin/cli.ts start) and anything below, with what they reaped.
  let app = NaN;
  if (w.appRoot !== null && byPid.has(w.appRoot)) {
    app = 0;
    const todo = [byPid.get(w.appRoot)!];
    while (todo.length) {
      const s = todo.pop()!;
      app += s.own + s.reaped;
      todo.push(...(children.get(s.pid) ?? []));
    }
  }
  // PostgreSQL: every postgres process, plus what the postmaster reaped (backends that ended meanwhile).
  let postgres = 0;
  let postgresFerretDb = 0;
  const pgs = stats.filter((s) => s.comm === 'postgres');
  for (const s of pgs) {
    postgres += s.own;
    if (!byPid.has(s.ppid) || byPid.get(s.ppid)!.comm !== 'postgres') postgres += s.reaped; // the postmaster
    if (w.ferretPgDb && cmdline(s.pid).includes(` ${w.ferretPgDb} `)) postgresFerretDb += s.own;
  }
  const one = (pid: number | null): number => (pid !== null && byPid.has(pid) ? byPid.get(pid)!.own : NaN);
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    app,
    ferretdb: one(w.ferretdb),
    postgres: pgs.length ? postgres : NaN,
    postgresFerretDb: w.ferretPgDb ? postgresFerretDb : NaN,
    redis: one(w.redis),
    bench: (u.user + u.system) / 1e6,
    machine: machineBusy(),
  };
}

type Cpu = Omit<CpuSnap, 'at'> & { wallSeconds: number };

function diff(a: CpuSnap, b: CpuSnap): Cpu {
  const d = (k: keyof Omit<CpuSnap, 'at'>): number => +(b[k] - a[k]).toFixed(2);
  return { wallSeconds: +((b.at - a.at) / 1000).toFixed(2), app: d('app'), ferretdb: d('ferretdb'), postgres: d('postgres'), postgresFerretDb: d('postgresFerretDb'), redis: d('redis'), bench: d('bench'), machine: d('machine') };
}

function watchServices(mongoUrl: string, redisUrl: string): Omit<Watched, 'appRoot'> {
  const port = (url: string, dflt: number): number => Number(new URL(url).port || dflt);
  const ferretdb = pidListeningOn(port(mongoUrl, 27017));
  const url = ferretdb !== null ? /--postgresql-url=\S*?\/([A-Za-z0-9_]+)(\?|\s|$)/.exec(cmdline(ferretdb)) : null;
  return { ferretdb, ferretPgDb: url?.[1] ?? null, redis: pidListeningOn(port(redisUrl, 6379)) };
}

// ---------------------------------------------------------------------------------------------------------
// The app as a user starts it

interface App {
  proc: ChildProcess;
  /** The app's JSON log lines so far (kept for the report: warnings and errors, the tail on a failure). */
  lines: string[];
  stderr: string[];
  waitFor(msg: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

function startApp(env: Record<string, string>): App {
  // `npm start` runs `exec node --import tsx bin/cli.ts start` (package.json).
  const proc = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ msg: string; resolve: (l: Record<string, unknown>) => void }> = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) continue; // npm's own "> support-history@… start" lines
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      // Info lines are many (one per captured message at debug only; start-up and job lines at info): keep the
      // start-up ones and every warning or error.
      if (lines.length < 200 || (parsed.level as number) >= 40) lines.push(line);
      for (const w of [...waiters]) {
        if (parsed.msg === w.msg) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 200) stderr.shift();
  });
  return {
    proc,
    lines,
    stderr,
    waitFor(msg, timeoutMs) {
      const seen = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not log "${msg}" within ${Math.round(timeoutMs / 1000)} s; stderr: ${stderr.join('').slice(-500)}`)), timeoutMs);
        const onExit = (code: number | null) => {
          clearTimeout(timer);
          reject(new Error(`npm start exited (${code}) before logging "${msg}": ${stderr.join('').slice(-800)} ${lines.slice(-5).join('\n')}`));
        };
        proc.once('exit', onExit);
        waiters.push({
          msg,
          resolve: (l) => {
            clearTimeout(timer);
            proc.off('exit', onExit);
            resolve(l);
          },
        });
      });
    },
  };
}

/** SIGTERM to npm (which passes it to the app), as a user's Ctrl-C or an orchestrator would; SIGKILL after 45 s. */
async function stopApp(app: App): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const t = performance.now();
  if (app.proc.exitCode !== null || app.proc.signalCode !== null) return { code: app.proc.exitCode, signal: app.proc.signalCode, ms: 0 };
  const exited = once(app.proc, 'exit') as Promise<[number | null, string | null]>;
  app.proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    // npm and whatever it started, by pid.
    const tree = allStats();
    const kill = (pid: number): void => {
      for (const c of tree.filter((s) => s.ppid === pid)) kill(c.pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    };
    if (app.proc.pid) kill(app.proc.pid);
  }, 45_000);
  const [code, signal] = await exited;
  clearTimeout(timer);
  return { code, signal, ms: Math.round(performance.now() - t) };
}

// ---------------------------------------------------------------------------------------------------------
// Deliveries

interface Delivery {
  status: number;
  ms: number;
  error?: string;
}

const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });

function post(port: number, body: string, extra: Record<string, string> = {}): Promise<Delivery> {
  return new Promise((resolve) => {
    const at = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-slack-request-timestamp': String(at),
      'x-slack-signature': slackSignature(SECRET, at, body),
      ...extra,
    };
    const t = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error('no answer within 120 s')));
    req.on('error', (err) => resolve({ status: 0, ms: performance.now() - t, error: err.message }));
    req.end(body);
  });
}

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function cleanRedis(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const round = (x: number, d = 1): number => (Number.isFinite(x) ? +x.toFixed(d) : x);

// ---------------------------------------------------------------------------------------------------------

export async function benchSlackBurst(opts: BurstOptions): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  const id = `${Date.now().toString(36)}${process.pid}`;
  const dbName = `bench_burst_${id}`;
  const baseDbName = `bench_burst_base_${id}`;
  const prefix = `bench_burst_${id}`;
  const fake = new FakeSlackApi();
  const teamId = fake.team.id;
  // New messages only, posted over the last week (a day ago at the latest: no ts in the future).
  const stream = generateWorkspace({ messages: opts.events, seed: opts.seed, workspaceId: teamId, customers: opts.customers ?? 100, agents: 5, editRate: 0, deleteRate: 0, end: new Date(Date.now() - 86_400_000), days: 7 });
  const news = stream.events.filter((e) => e.kind === 'new');
  const slack = slackWorkspace({ ...stream, events: news });
  const n = slack.events.length;
  const agentSet = new Set(slack.agentIds);
  const counts = {
    events: n,
    customers: new Set(news.filter((e) => e.author?.role === 'customer').map((e) => e.author!.userId)).size,
    agents: agentSet.size,
    channels: slack.channels.length,
    threadReplies: slack.events.filter((e) => e.thread_ts && e.thread_ts !== e.ts).length,
    agentMessages: slack.events.filter((e) => agentSet.has(e.user ?? '')).length,
  };
  const now = Math.floor(Date.now() / 1000);
  const bodies = slack.events.map((event, i) =>
    JSON.stringify({
      token: 'bench-verification-token',
      team_id: teamId,
      api_app_id: APP_ID,
      event,
      type: 'event_callback',
      event_id: `Ev0BENCH${id.toUpperCase()}${String(i).padStart(6, '0')}`,
      event_time: now,
      authorizations: [{ enterprise_id: null, team_id: teamId, user_id: fake.bot.userId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-bench-${id}-${i}`,
    }),
  );

  await fake.start();
  fake.channels = slack.channels.map((c) => ({ id: c.id!, name: c.name!, is_member: true }));
  for (const c of fake.channels) fake.messages.set(c.id, []);
  for (const u of slack.users.values()) fake.users.set(u.id!, { id: u.id!, team_id: teamId, name: u.name ?? u.id!, ...(u.real_name ? { real_name: u.real_name } : {}), ...(u.profile?.email ? { email: u.profile.email } : {}) });
  fake.usergroups.set(AGENT_GROUP, slack.agentIds);

  const mongoUrl = new URL(opts.mongoUrl);
  mongoUrl.pathname = `/${dbName}`;
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    MONGO_URL: mongoUrl.toString(),
    REDIS_URL: opts.redisUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_SUPPORT_CHANNELS: fake.channels.map((c) => `#${c.name}`).join(','),
    SLACK_AGENT_USERGROUPS: AGENT_GROUP,
  };
  const readyWait = opts.readyBy ? Math.max(1_000, opts.readyBy - Date.now()) : 180_000;
  const conn = await mongoose.createConnection(opts.mongoUrl, { dbName, maxPoolSize: 4, serverSelectionTimeoutMS: 10_000 }).asPromise();
  const queueConn = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const tagQueue = new Queue(QUEUE.tag, { connection: queueConn, prefix });
  let app: App | null = null;
  let stopped: Awaited<ReturnType<typeof stopApp>> | null = null;
  try {
    const tStart = performance.now();
    app = startApp(env);
    await app.waitFor('slack adapter started', readyWait);
    const backfill = await app.waitFor('slack backfill done', readyWait);
    const startSeconds = (performance.now() - tStart) / 1000;
    note(`npm start ready in ${startSeconds.toFixed(1)} s (backfill: ${JSON.stringify(backfill)}); ${n} events`);
    const watched: Watched = { appRoot: app.proc.pid ?? null, ...watchServices(opts.mongoUrl, opts.redisUrl) };
    note(`watching ${JSON.stringify(watched)} (app tree: ${allStats().filter((s) => s.ppid === watched.appRoot).map((s) => `${s.pid} ${s.comm}`).join(', ')})`);
    const warningsBefore = app.lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40).length;
    const messages = conn.collection('messages');
    const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));

    // The burst, and beside it the poll of the database (every 100 ms) for stored and tagged.
    const cpu0 = snapshot(watched);
    const t0 = performance.now();
    const deliveries: Delivery[] = new Array(n);
    let allAcked = NaN;
    const sending = pool(bodies, opts.inFlight, async (body, i) => {
      deliveries[i] = await post(port, body);
    }).then(() => (allAcked = (performance.now() - t0) / 1000));
    const waitMs = opts.readyBy ? Math.min(opts.timeoutMs, Math.max(1_000, opts.readyBy + 10_000 - Date.now())) : opts.timeoutMs;
    const deadline = Date.now() + waitMs;
    let allStored = NaN;
    let tagged = NaN;
    let stored = 0;
    let untagged = -1;
    let retried = 0;
    let retryStatuses: number[] = [];
    let shown = Date.now();
    for (;;) {
      stored = await messages.countDocuments({});
      if (stored >= n && Number.isNaN(allStored)) allStored = (performance.now() - t0) / 1000;
      if (stored >= n) {
        untagged = await messages.countDocuments({ needsTagging: true });
        if (untagged === 0) {
          tagged = (performance.now() - t0) / 1000;
          break;
        }
      }
      if (!Number.isNaN(allAcked) && retried === 0) {
        // A delivery that failed (non-2xx, or no answer) is delivered again, as Slack would, so the run can end.
        const failed = deliveries.map((d, i) => (d.status >= 200 && d.status < 300 ? -1 : i)).filter((i) => i >= 0);
        if (failed.length) {
          retried = failed.length;
          note(`${failed.length} deliveries failed: delivering them again`);
          retryStatuses = (await Promise.all(failed.map((i) => post(port, bodies[i]!, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' })))).map((d) => d.status);
        } else retried = -1;
      }
      if (Date.now() - shown > 10_000) {
        shown = Date.now();
        note(`${stored} of ${n} stored, ${untagged < 0 ? '?' : untagged} untagged, ${deliveries.filter(Boolean).length} answered`);
      }
      if (Date.now() > deadline) {
        const c = await tagQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
        throw new Error(`after ${Math.round(waitMs / 1000)} s: ${stored} of ${n} messages stored, ${untagged < 0 ? 'not counted' : untagged} untagged, ${deliveries.filter(Boolean).length} deliveries answered; tag jobs ${JSON.stringify(c)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu1 = snapshot(watched);
    const loadAtEnd = os.loadavg().map((x) => +x.toFixed(2));
    await sending;
    const jobs = await tagQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    const burstCpu = diff(cpu0, cpu1);
    const warnings = app.lines
      .filter((l) => (JSON.parse(l) as { level: number }).level >= 40)
      .slice(warningsBefore)
      .map((l) => {
        const j = JSON.parse(l) as { level: number; msg: string; err?: string };
        return `${j.level >= 50 ? 'error' : 'warn'}: ${j.msg}${j.err ? ` (${j.err})` : ''}`;
      });
    const warningCounts: Record<string, number> = {};
    for (const w of warnings) warningCounts[w] = (warningCounts[w] ?? 0) + 1;

    // The documents as stored and tagged: what the baselines write.
    const docs = await messages.find({}).toArray();
    const bytes = docs.reduce((s, d) => s + mongoose.mongo.BSON.calculateObjectSize(d), 0);
    stopped = await stopApp(app);
    note(`npm start stopped in ${stopped.ms} ms (exit ${stopped.code ?? stopped.signal})`);

    // Baselines on the same server, the app stopped: insertMany into a fresh collection, then insertOne with as
    // many in flight as the burst had, into another.
    const base = await mongoose.createConnection(opts.mongoUrl, { dbName: baseDbName, maxPoolSize: 20, serverSelectionTimeoutMS: 10_000 }).asPromise();
    let insertMany: { rate: number; seconds: number; cpu: Cpu };
    let insertOne: number[] = [];
    try {
      // Created empty before the timing, as the app's messages collection is (at start).
      await base.createCollection('messages');
      const c0 = snapshot(watched);
      const tb = performance.now();
      await base.collection('messages').insertMany(docs, { ordered: false });
      const seconds = (performance.now() - tb) / 1000;
      insertMany = { rate: docs.length / seconds, seconds, cpu: diff(c0, snapshot(watched)) };
      const one = await base.createCollection('messages_one');
      await pool(docs, opts.inFlight, async (d) => {
        const t = performance.now();
        await one.insertOne(d);
        insertOne.push(performance.now() - t);
      });
    } finally {
      await base.dropDatabase().catch(() => undefined);
      await base.close();
    }
    note(`insertMany ${docs.length} docs ${insertMany.rate.toFixed(0)} docs/s`);

    const acks = deliveries.map((d) => d.ms);
    const ok = deliveries.filter((d) => d.status >= 200 && d.status < 300).length;
    const statuses: Record<string, number> = {};
    for (const d of deliveries) {
      const k = d.error ? `error: ${d.error}` : String(d.status);
      statuses[k] = (statuses[k] ?? 0) + 1;
    }
    const late = acks.filter((ms) => ms > SLACK_ACK_LIMIT_MS).length;
    const p50 = percentile(acks, 50);
    const p95 = percentile(acks, 95);
    const max = Math.max(...acks);
    const rate = n / tagged;
    const perMsg = (cpuS: number): number => (cpuS * 1000) / n;
    const perDoc = (cpuS: number): number => (cpuS * 1000) / docs.length;
    const cores = (cpuS: number): string => (Number.isFinite(cpuS) ? (cpuS / burstCpu.wallSeconds).toFixed(2) : '?');
    const total = [burstCpu.app, burstCpu.ferretdb, burstCpu.postgresFerretDb, burstCpu.redis, burstCpu.bench].filter(Number.isFinite).reduce((a, b) => a + b, 0);
    const where = `CPU during the ${burstCpu.wallSeconds} s burst (cores busy on average): app ${burstCpu.app} s (${cores(burstCpu.app)}), FerretDB ${burstCpu.ferretdb} s (${cores(burstCpu.ferretdb)}), PostgreSQL: the backends of FerretDB's database ${burstCpu.postgresFerretDb} s (${cores(burstCpu.postgresFerretDb)}), every postgres process ${burstCpu.postgres} s (the server is shared), Redis ${burstCpu.redis} s (${cores(burstCpu.redis)}), bench sender + fake Slack API ${burstCpu.bench} s (${cores(burstCpu.bench)}); total ${total.toFixed(1)} CPU-s = ${(total / burstCpu.wallSeconds).toFixed(2)} of ${os.cpus().length} cores, while the whole machine used ${burstCpu.machine} s (${cores(burstCpu.machine)}: the rest is other work); ${((total * 1000) / n).toFixed(0)} CPU ms per message in all, so at most ${(1000 / ((total * 1000) / n)).toFixed(1)} msg/s per core that is free for it; load average ${loadAtStart.join(' ')} → ${loadAtEnd.join(' ')}`;
    const sizeNote = `${n} signed Slack message events (${counts.customers} customers, ${counts.agents} agents in the agents' user group, ${counts.channels} support channels, ${counts.threadReplies} thread replies, ${counts.agentMessages} agent messages; seed ${opts.seed}), ${opts.inFlight} in flight, into npm start (HTTP mode)`;
    const rows: Row[] = [
      {
        benchmark: `Slack burst into npm start: ack latency, first deliveries (${opts.inFlight} in flight)`,
        size: n,
        unit: 'ms',
        median: p50,
        p95,
        baseline: `insertOne of each stored doc, ${opts.inFlight} in flight`,
        baselineMedian: percentile(insertOne, 50),
        ratio: p50 / percentile(insertOne, 50),
        runs: 1,
        note: `${sizeNote}: max ${max.toFixed(0)} ms, ${late} of ${n} later than Slack's 3 s (Slack would retry them); HTTP ${JSON.stringify(statuses)}${retried > 0 ? `, ${retried} failed deliveries sent again (${JSON.stringify(retryStatuses)})` : ''}; baseline p95 ${percentile(insertOne, 95).toFixed(1)} ms, max ${Math.max(...insertOne).toFixed(1)} ms`,
      },
      {
        benchmark: 'Slack burst into npm start: stored and tagged (end to end)',
        size: n,
        unit: 'msg/s',
        median: rate,
        p95: rate,
        baseline: 'insertMany, as many docs of the same size, fresh collection',
        baselineMedian: insertMany.rate,
        ratio: rate / insertMany.rate,
        runs: 1,
        note: `from the first POST: all acknowledged after ${allAcked.toFixed(1)} s, all stored after ${allStored.toFixed(1)} s, all tagged after ${tagged.toFixed(1)} s (database polled every 100 ms); baseline: insertMany of the ${docs.length} stored documents (${Math.round(bytes / docs.length)} bytes each on average) into a fresh collection, ${insertMany.seconds.toFixed(2)} s, the app stopped; ${where}`,
      },
    ];
    // The app is stopped during the baseline: its row is set beside the bench process, the client of insertMany.
    const cpuRow = (name: string, k: keyof Omit<Cpu, 'wallSeconds'>, baseline: string, bk: keyof Omit<Cpu, 'wallSeconds'> = k): Row => ({
      benchmark: `Slack burst CPU: ${name}`,
      size: n,
      unit: 'CPU ms/msg',
      median: perMsg(burstCpu[k]),
      p95: perMsg(burstCpu[k]),
      baseline,
      baselineMedian: perDoc(insertMany.cpu[bk]),
      ratio: insertMany.cpu[bk] > 0 ? perMsg(burstCpu[k]) / perDoc(insertMany.cpu[bk]) : NaN,
      runs: 1,
    });
    rows.push(
      cpuRow('app (npm start: bot + worker)', 'app', 'bench process running insertMany, per doc', 'bench'),
      cpuRow('FerretDB', 'ferretdb', 'FerretDB during insertMany, per doc'),
      cpuRow("PostgreSQL (backends of FerretDB's database)", 'postgresFerretDb', 'the same during insertMany, per doc'),
      cpuRow('Redis', 'redis', 'Redis during insertMany, per doc'),
    );
    return {
      rows,
      raw: {
        seed: opts.seed,
        counts,
        inFlight: opts.inFlight,
        startSeconds: round(startSeconds),
        ack: { p50: round(p50), p95: round(p95), max: round(max), overSlackLimit: late, ok, statuses, retried: Math.max(0, retried), retryStatuses, latenciesMs: acks.map((x) => Math.round(x)) },
        seconds: { allAcknowledged: round(allAcked, 2), allStored: round(allStored, 2), allTagged: round(tagged, 2) },
        endToEndRate: round(rate, 2),
        stored: docs.length,
        averageDocBytes: Math.round(bytes / docs.length),
        insertMany: { rate: round(insertMany.rate), seconds: round(insertMany.seconds, 3), cpu: insertMany.cpu },
        insertOne: { p50: round(percentile(insertOne, 50), 2), p95: round(percentile(insertOne, 95), 2), max: round(Math.max(...insertOne), 2) },
        cpu: { burst: burstCpu, cores: os.cpus().length, clockTicks: CLK_TCK, watched },
        tagJobs: jobs,
        appWarnings: warningCounts,
        appStop: stopped,
        loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
        env: Object.fromEntries(Object.entries(env).filter(([k]) => !['PATH', 'HOME', 'SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN'].includes(k))),
      },
    };
  } finally {
    if (app && !stopped) stopped = await stopApp(app).catch(() => null);
    await tagQueue.close().catch(() => undefined);
    queueConn.disconnect();
    await conn.dropDatabase().catch(() => undefined);
    await conn.close().catch(() => undefined);
    await fake.close();
    await cleanRedis(opts.redisUrl, prefix).catch(() => undefined);
  }
}

// `npx tsx bench/burst.ts [--events 1000] [--in-flight 32]`: this step alone, on the services `npm run bench`
// uses (started here unless MONGO_URL and REDIS_URL are set); prints its rows, writes nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { printTable, startServices } = await import('./lib.js');
  const arg = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const services = startServices();
  let code = 0;
  try {
    const r = await benchSlackBurst({ mongoUrl: services.mongoUrl, redisUrl: services.redisUrl, events: arg('events', 1_000), inFlight: arg('in-flight', 32), seed: 20261125, timeoutMs: arg('timeout-seconds', 1_800) * 1000 });
    printTable(r.rows);
    const { latenciesMs: _, ...ack } = r.raw.ack as Record<string, unknown>;
    console.log(JSON.stringify({ ...r.raw, ack }, null, 2));
  } catch (err) {
    console.error((err as Error).stack);
    code = 1;
  } finally {
    services.stop();
  }
  process.exit(code);
}
