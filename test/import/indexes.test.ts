// Which indexes ensureIndexes keeps: every one on MongoDB; on FerretDB only the unique ones (its SQLite
// backend never reads a non-unique index, so those only slow the writes an import makes), dropping
// non-unique ones an earlier version created. Runs against whichever server MONGO_URL names.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes, serverInfo } from '../../src/db/connection.js';
import { ALL_MODELS, Message } from '../../src/db/models.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let ferretdb = false;

beforeAll(async () => {
  env = testEnv(import.meta.filename);
  await connectTestDb(env);
  ferretdb = (await serverInfo()).ferretdb !== null;
});
afterAll(async () => cleanupTestEnv(env));

const keysOf = async (m: (typeof ALL_MODELS)[number]): Promise<string[]> =>
  (await m.collection.listIndexes().toArray()).filter((ix) => ix.name !== '_id_').map((ix) => JSON.stringify(ix.key)).sort();
const schemaKeys = (m: (typeof ALL_MODELS)[number], onlyUnique: boolean): string[] =>
  m.schema
    .indexes()
    .filter(([, o]) => !onlyUnique || o?.unique === true)
    .map(([k]) => JSON.stringify(k))
    .sort();

describe('ensureIndexes', () => {
  it('creates every index on MongoDB and only the unique ones on FerretDB', async () => {
    for (const m of ALL_MODELS) {
      await m.createCollection().catch(() => undefined);
      expect(await keysOf(m)).toEqual(schemaKeys(m, ferretdb));
    }
  });

  it('on FerretDB drops the non-unique indexes an earlier version created, and creates them all when asked', async () => {
    await ensureIndexes({ all: true });
    expect(await keysOf(Message)).toEqual(schemaKeys(Message, false));
    await ensureIndexes();
    expect(await keysOf(Message)).toEqual(schemaKeys(Message, ferretdb));
    // The unique index still refuses a second message with the same platform, workspace, channel and id.
    const doc = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: '1.000001' };
    await mongoose.connection.db!.collection('messages').insertOne({ _id: 'a' as never, ...doc });
    await expect(mongoose.connection.db!.collection('messages').insertOne({ _id: 'b' as never, ...doc })).rejects.toMatchObject({ code: 11000 });
  });
});
