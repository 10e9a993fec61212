// `support-history status`: is tagging done, what waits in each queue, when each workspace's digest was last
// posted, and which servers answer. Reads only: it writes nothing to MongoDB or Redis.
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { DIGEST_QUEUE } from '../../jobs/digest.js';
import { RETAG_QUEUE } from '../../jobs/retag.js';
import { redactUrl, type Config } from '../../src/config.js';
import { namedCollection } from '../../src/db/collections.js';
import { connectMongo, disconnectMongo } from '../../src/db/connection.js';
import { Message, Workspace } from '../../src/db/models.js';
import { QUEUE } from '../../src/queue.js';
import { cliLogger, loadCliConfig, UsageError } from './context.js';

export const STATUS_USAGE = `usage: support-history status [options]

Prints what the worker still has to do and what the servers are:
  - messages waiting to be tagged (0 once the worker has caught up, e.g. after an import)
  - each queue's jobs: waiting, active, delayed (retries and schedules), failed
  - the last digest of each workspace (week, state, when and where it was posted)
  - the MongoDB (or FerretDB) and Redis servers, with their versions
It writes nothing. When MongoDB or Redis does not answer within 5 s it prints one line per service naming
its address and variable (MONGO_URL, REDIS_URL) and exits with status 1.

options:
  --json      print the same as JSON
  -h, --help  show this help
`;

/** Every BullMQ queue the bot and the worker use, in the order shown. */
export const STATUS_QUEUES = [QUEUE.tag, QUEUE.tagChunk, RETAG_QUEUE, QUEUE.maintenance, DIGEST_QUEUE, QUEUE.survey] as const;

export interface QueueDepth {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface LastDigest {
  platform: string;
  workspaceId: string;
  workspaceName: string | null;
  /** Null when no digest was posted for the workspace yet. */
  week: string | null;
  state: string | null;
  postedAt: string | null;
  channelId: string | null;
}

export interface StatusReport {
  untagged: number;
  queuePrefix: string;
  queues: QueueDepth[];
  digests: LastDigest[];
  mongo: { url: string; server: string; version: string; ferretdb: string | null; wireVersion: number | null };
  redis: { url: string; version: string };
}

const TIMEOUT_MS = 5_000;

function firstLine(err: unknown): string {
  const line = ((err as Error)?.message ?? String(err)).split('\n')[0]!.trim();
  if (/Server selection timed out/i.test(line)) return `no answer within ${TIMEOUT_MS / 1000} s`;
  return line || 'no answer';
}

function unreachable(service: string, url: string, variable: string, err: unknown): string {
  const line = firstLine(err);
  // src/db/connection.ts may already say it in these words.
  return line.startsWith('cannot reach ') ? line : `cannot reach ${service} at ${redactUrl(url)} (${variable}): ${line}`;
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: TIMEOUT_MS });
  let last: Error | null = null;
  redis.on('error', (err: Error) => (last = err));
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    throw last ?? err;
  }
}

async function mongoServer(config: Config): Promise<StatusReport['mongo']> {
  const admin = mongoose.connection.db!.admin();
  const info = (await admin.command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  const hello = (await admin.command({ hello: 1 }).catch(() => ({}))) as { maxWireVersion?: number };
  const ferretdb = info.ferretdbVersion ?? null;
  return {
    url: redactUrl(config.mongoUrl),
    server: ferretdb ? 'FerretDB' : 'MongoDB',
    version: info.version ?? 'unknown',
    ferretdb,
    wireVersion: hello.maxWireVersion ?? null,
  };
}

async function queueDepths(redis: Redis, prefix: string): Promise<QueueDepth[]> {
  const out: QueueDepth[] = [];
  for (const name of STATUS_QUEUES) {
    const q = new Queue(name, { connection: redis, prefix });
    try {
      const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      out.push({ queue: name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 });
    } finally {
      await q.close();
    }
  }
  return out;
}

async function lastDigests(): Promise<LastDigest[]> {
  const workspaces = await Workspace.find({}, { platform: 1, externalId: 1, name: 1 }).lean();
  const out: LastDigest[] = [];
  for (const ws of workspaces.sort((a, b) => a._id.localeCompare(b._id))) {
    // Equality filter (both servers serve it from an index or a short scan); a workspace has a record a week.
    const records = await namedCollection<{ _id: string; week: string; state: string; postedAt?: Date; channelId?: string }>('digests')
      .find({ platform: ws.platform, workspaceId: ws.externalId })
      .toArray();
    const last = records.sort((a, b) => b.week.localeCompare(a.week))[0];
    out.push({
      platform: ws.platform,
      workspaceId: ws.externalId,
      workspaceName: ws.name ?? null,
      week: last?.week ?? null,
      state: last?.state ?? null,
      postedAt: last?.postedAt ? last.postedAt.toISOString() : null,
      channelId: last?.channelId ?? null,
    });
  }
  return out;
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

export function renderStatusText(r: StatusReport): string {
  const lines: string[] = [];
  lines.push(`Messages waiting to be tagged: ${r.untagged}${r.untagged === 0 ? ' (tagging is done)' : ''}`);
  lines.push('');
  lines.push(`Queues (QUEUE_PREFIX ${r.queuePrefix})`);
  lines.push(`  ${'queue'.padEnd(12)}${pad('waiting', 9)}${pad('active', 9)}${pad('delayed', 9)}${pad('failed', 9)}`);
  for (const q of r.queues) lines.push(`  ${q.queue.padEnd(12)}${pad(q.waiting, 9)}${pad(q.active, 9)}${pad(q.delayed, 9)}${pad(q.failed, 9)}`);
  lines.push('');
  lines.push('Last digest per workspace');
  if (r.digests.length === 0) lines.push('  no workspace stored yet');
  for (const d of r.digests) {
    const ws = `${d.platform} ${d.workspaceId}${d.workspaceName ? ` (${d.workspaceName})` : ''}`;
    if (d.week === null) lines.push(`  ${ws}: none posted yet`);
    else if (d.state === 'posted') lines.push(`  ${ws}: ${d.week}, posted ${d.postedAt!.slice(0, 16).replace('T', ' ')} UTC to ${d.channelId}`);
    else lines.push(`  ${ws}: ${d.week}, ${d.state}`);
  }
  lines.push('');
  lines.push('Servers');
  const m = r.mongo;
  const wire = m.wireVersion === null ? '' : `, wire version ${m.wireVersion}`;
  const server = m.ferretdb ? `FerretDB ${m.ferretdb.replace(/^v/, '')} (MongoDB ${m.version}${wire})` : `MongoDB ${m.version}${wire ? ` (${wire.slice(2)})` : ''}`;
  lines.push(`  MONGO_URL  ${m.url}  ${server}`);
  lines.push(`  REDIS_URL  ${r.redis.url}  Redis ${r.redis.version}`);
  return `${lines.join('\n')}\n`;
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const config = loadCliConfig();
  const log = cliLogger(config);
  // Both at once, so an unreachable one costs its timeout once and both are named.
  const [mongo, redis] = await Promise.allSettled([
    // Its own warnings would repeat the line printed below.
    connectMongo(config.mongoUrl, log.child({ component: 'mongo' }, { level: 'error' }), { serverSelectionTimeoutMS: TIMEOUT_MS }),
    connectRedis(config.redisUrl),
  ]);
  try {
    const problems: string[] = [];
    if (mongo.status === 'rejected') problems.push(unreachable('MongoDB', config.mongoUrl, 'MONGO_URL', mongo.reason));
    if (redis.status === 'rejected') problems.push(unreachable('Redis', config.redisUrl, 'REDIS_URL', redis.reason));
    if (problems.length > 0) {
      for (const p of problems) process.stderr.write(`support-history status: ${p}\n`);
      return 1;
    }
    const conn = (redis as PromiseFulfilledResult<Redis>).value;
    const redisVersion = /redis_version:([^\r\n]+)/.exec(await conn.info('server'))?.[1] ?? 'unknown';
    const report: StatusReport = {
      untagged: await Message.countDocuments({ needsTagging: true }),
      queuePrefix: config.queuePrefix,
      queues: await queueDepths(conn, config.queuePrefix),
      digests: await lastDigests(),
      mongo: await mongoServer(config),
      redis: { url: redactUrl(config.redisUrl), version: redisVersion },
    };
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatusText(report));
    return 0;
  } finally {
    if (redis.status === 'fulfilled') redis.value.disconnect();
    if (mongo.status === 'fulfilled') {
      mongoose.connection.removeAllListeners('disconnected'); // a planned disconnect is no warning
      await disconnectMongo();
    }
  }
}
