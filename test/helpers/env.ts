// Per-file services: a database and a BullMQ prefix of its own, from the URLs global setup provides.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { connectMongo, ensureIndexes } from '../../src/db/connection.js';
import { setupDocLocks } from '../../src/db/doc-lock.js';
import { createLogger, type Logger } from '../../src/logger.js';

export interface TestEnv {
  mongoUrl: string;
  redisUrl: string;
  dbName: string;
  prefix: string;
  log: Logger;
}

export function testEnv(file: string): TestEnv {
  const id = randomBytes(3).toString('hex');
  const name = basename(file).replace(/\.test\.ts$/, '').replace(/[^a-z0-9]/gi, '_');
  return {
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    dbName: `t_${name}_${id}`.slice(0, 60),
    prefix: `t_${name}_${id}`,
    log: createLogger((process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent'),
  };
}

let releaseLocks: (() => void) | null = null;

export async function connectTestDb(env: TestEnv): Promise<void> {
  await connectMongo(env.mongoUrl, env.log, { dbName: env.dbName });
  await ensureIndexes();
  releaseLocks = await setupDocLocks({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
}

/** Drops the file's database and every key under its queue prefix. */
export async function cleanupTestEnv(env: TestEnv): Promise<void> {
  releaseLocks?.();
  releaseLocks = null;
  if (mongoose.connection.readyState === 1) {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  }
  const redis = new Redis(env.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
