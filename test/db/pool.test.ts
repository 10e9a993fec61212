// The driver's pool keeps one process's commands in flight below what the server can hold. FerretDB 1.24 on
// PostgreSQL stops answering once about 50 commands are in flight (its 50 PostgreSQL connections, a command
// sometimes needing a second); with the driver's default pool of 100, 200 concurrent updates hung it for good.
// On a FerretDB of the test's own, so that a regression wedges only this test's server.
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, disconnectMongo, DEFAULT_POOL_SIZE, poolSizeFor } from '../../src/db/connection.js';
import { createLogger } from '../../src/logger.js';
import { OwnFerret } from '../helpers/servers.js';

let ferret: OwnFerret;
beforeAll(async () => {
  ferret = await OwnFerret.start();
});
afterAll(async () => {
  await disconnectMongo().catch(() => undefined);
  await ferret?.close();
});

describe('mongo connection pool', () => {
  it('is DEFAULT_POOL_SIZE unless MONGO_URL names maxPoolSize', () => {
    expect(DEFAULT_POOL_SIZE).toBe(20);
    expect(poolSizeFor('mongodb://127.0.0.1:27017/support-history')).toBe(20);
    expect(poolSizeFor('mongodb://h:27017/db?retryWrites=true&maxPoolSize=200')).toBeUndefined();
    expect(poolSizeFor('mongodb+srv://u:p@cluster.example.net/db?maxPoolSize=5')).toBeUndefined();
  });

  it('carries 200 concurrent updates through to FerretDB, every one applied', async () => {
    await connectMongo(ferret.url('pool'), createLogger('silent'));
    const col = mongoose.connection.db!.collection<{ _id: string; v: number }>('items');
    await col.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: `k${i}`, v: 0 })));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => col.updateOne({ _id: `k${i}` }, { $set: { v: i + 1 } })));
    expect(results.map((r) => r.modifiedCount)).toEqual(Array(200).fill(1));
    const docs = await col.find({}).toArray();
    expect(docs.map((d) => d.v).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  }, 60_000);
});
