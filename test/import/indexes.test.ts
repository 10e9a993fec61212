// Which indexes ensureIndexes keeps: every one on MongoDB; on FerretDB only the unique ones (its SQLite
// backend never reads a non-unique index, so those only slow the writes an import makes) that `_id` does
// not already enforce, dropping the others an earlier version created. Runs against whichever server
// MONGO_URL names.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes, keptOnFerretdb, serverInfo } from '../../src/db/connection.js';
import { messageKey } from '../../src/domain/keys.js';
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
    .filter(([k, o]) => !onlyUnique || keptOnFerretdb(m.collection.collectionName, k, o as { unique?: boolean }))
    .map(([k]) => JSON.stringify(k))
    .sort();

describe('ensureIndexes', () => {
  it('creates every index on MongoDB and on FerretDB only the unique ones that _id does not imply', async () => {
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
    // A second message with the same platform, workspace, channel and id is still refused: its _id is the
    // same key (on FerretDB the _id index is what refuses it).
    const doc = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId: '1.000001' } as const;
    const key = messageKey(doc.platform, doc.workspaceId, doc.channelId, doc.messageId);
    const messages = mongoose.connection.db!.collection('messages');
    await messages.insertOne({ _id: key as never, ...doc });
    await expect(messages.insertOne({ _id: key as never, ...doc, text: 'again' })).rejects.toMatchObject({ code: 11000 });
    if (!ferretdb) await expect(messages.insertOne({ _id: 'other' as never, ...doc })).rejects.toMatchObject({ code: 11000 });
    expect(await messages.countDocuments({})).toBe(1);
  });

  it('on FerretDB drops the messages unique index an earlier version created (the _id index enforces it)', async () => {
    if (!ferretdb) return;
    await Message.collection.createIndex({ platform: 1, workspaceId: 1, channelId: 1, messageId: 1 }, { unique: true });
    await ensureIndexes();
    expect(await keysOf(Message)).toEqual([]);
  });
});
