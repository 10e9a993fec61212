// `support-history status` run as a child process against this file's database and queue prefix (issue 18
// item 7): messages waiting to be tagged, queue depths, the last digest of each workspace, server versions;
// one line naming the variable for each service that does not answer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedCollection } from '../../src/db/collections.js';
import { Message, Workspace } from '../../src/db/models.js';
import { Queues } from '../../src/queue.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';
import { freePort } from '../helpers/servers.js';

const run = promisify(execFile);
let env: TestEnv;
let queues: Queues;

function mongoUrl(): string {
  const u = new URL(env.mongoUrl);
  u.pathname = `/${env.dbName}`;
  return u.toString();
}

async function status(vars: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, MONGO_URL: mongoUrl(), REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, LOG_LEVEL: 'info', ...vars };
  try {
    const out = await run(process.execPath, ['bin/support-history.js', 'status', ...args], { env: childEnv, cwd: process.cwd(), timeout: 60_000 });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  env = testEnv(import.meta.filename);
  await connectTestDb(env);
  queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
});
afterAll(async () => {
  await queues?.close();
  if (env) await cleanupTestEnv(env);
});

const msg = (id: string, needsTagging: boolean) => ({
  _id: `slack:T0STATUS:C1:${id}`, platform: 'slack', workspaceId: 'T0STATUS', channelId: 'C1', messageId: id, threadId: null,
  author: { userId: 'U1', name: 'Ada', role: 'customer' }, text: 'hello', ts: new Date('2026-11-23T10:00:00Z'), rev: 0, needsTagging,
});

describe('support-history status', () => {
  it('prints untagged messages, queue depths, last digests and server versions', async () => {
    await Message.collection.insertMany([msg('1', true), msg('2', true), msg('3', false)] as never[]);
    await Workspace.collection.insertMany([
      { _id: 'slack:T0STATUS', platform: 'slack', externalId: 'T0STATUS', name: 'Lumen Kettle Co.' },
      { _id: 'discord:900000000000000001', platform: 'discord', externalId: '900000000000000001', name: null },
    ] as never[]);
    await namedCollection('digests').insertMany([
      { _id: 'slack:T0STATUS:2026-W46', platform: 'slack', workspaceId: 'T0STATUS', week: '2026-W46', state: 'posted', channelId: 'C0DIGEST', postedAt: new Date('2026-11-16T09:00:04Z') },
      { _id: 'slack:T0STATUS:2026-W47', platform: 'slack', workspaceId: 'T0STATUS', week: '2026-W47', state: 'posted', channelId: 'C0DIGEST', postedAt: new Date('2026-11-23T09:00:02Z') },
    ] as never[]);
    // Two tag jobs waiting, one delayed; a chunk job waiting. No worker runs.
    await queues.tag.add('tag', { messageKey: 'slack:T0STATUS:C1:1', rev: 0 }, { jobId: 'status-1' });
    await queues.tag.add('tag', { messageKey: 'slack:T0STATUS:C1:2', rev: 0 }, { jobId: 'status-2' });
    await queues.tag.add('tag', { messageKey: 'slack:T0STATUS:C1:2', rev: 1 }, { jobId: 'status-3', delay: 3_600_000 });
    await queues.tagChunk.add('tag-chunk', { items: [] }, { jobId: 'status-chunk' });

    const info = (await mongoose.connection.db!.admin().command({ buildInfo: 1 })) as { version: string; ferretdbVersion?: string };
    const hello = (await mongoose.connection.db!.admin().command({ hello: 1 })) as { maxWireVersion: number };
    const redis = new Redis(env.redisUrl);
    const redisVersion = /redis_version:([^\r\n]+)/.exec(await redis.info('server'))![1];
    redis.disconnect();
    const server = info.ferretdbVersion
      ? `FerretDB ${info.ferretdbVersion.replace(/^v/, '')} (MongoDB ${info.version}, wire version ${hello.maxWireVersion})`
      : `MongoDB ${info.version} (wire version ${hello.maxWireVersion})`;

    const r = await status({});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Messages waiting to be tagged: 2',
        '',
        `Queues (QUEUE_PREFIX ${env.prefix})`,
        '  queue         waiting   active  delayed   failed',
        '  tag                 2        0        1        0',
        '  tag-chunk           1        0        0        0',
        '  retag               0        0        0        0',
        '  maintenance         0        0        0        0',
        '  digest              0        0        0        0',
        '  survey              0        0        0        0',
        '',
        'Last digest per workspace',
        '  discord 900000000000000001: none posted yet',
        '  slack T0STATUS (Lumen Kettle Co.): 2026-W47, posted 2026-11-23 09:00 UTC to C0DIGEST',
        '',
        'Servers',
        `  MONGO_URL  ${mongoUrl()}  ${server}`,
        `  REDIS_URL  ${env.redisUrl}  Redis ${redisVersion}`,
        '',
      ].join('\n'),
    );

    const j = await status({}, '--json');
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.untagged).toBe(2);
    expect(report.queues[0]).toEqual({ queue: 'tag', waiting: 2, active: 0, delayed: 1, failed: 0 });
    expect(report.digests[1]).toEqual({ platform: 'slack', workspaceId: 'T0STATUS', workspaceName: 'Lumen Kettle Co.', week: '2026-W47', state: 'posted', postedAt: '2026-11-23T09:00:02.000Z', channelId: 'C0DIGEST' });
    expect(report.mongo.wireVersion).toBe(hello.maxWireVersion);
    expect(report.redis.version).toBe(redisVersion);
  }, 120_000);

  it('names the variable and address of each service that does not answer, in one line each, and exits 1', async () => {
    const [mongoPort, redisPort] = [await freePort(), await freePort()];
    const started = Date.now();
    const r = await status({ MONGO_URL: `mongodb://127.0.0.1:${mongoPort}/support-history`, REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `support-history status: cannot reach MongoDB at mongodb://127.0.0.1:${mongoPort}/support-history (MONGO_URL): connect ECONNREFUSED 127.0.0.1:${mongoPort}\n` +
        `support-history status: cannot reach Redis at redis://127.0.0.1:${redisPort} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${redisPort}\n`,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    // Only Redis away: MongoDB answers, the line names REDIS_URL alone.
    const only = await status({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    expect(only.code).toBe(1);
    expect(only.stderr).toBe(`support-history status: cannot reach Redis at redis://127.0.0.1:${redisPort} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${redisPort}\n`);
  }, 120_000);
});
