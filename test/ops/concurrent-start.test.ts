// Several processes starting at once on a new database (a bot and workers started together): each records or
// checks the read models' layout, and none fails because another stored it at the same moment (E11000 on the
// layout record made two of four processes exit with "could not start"). Separate processes, as in production:
// each connects, waits for a common instant, then runs the start's layout step.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLayout } from '../../src/history/layout.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';

const run = promisify(execFile);
let env: TestEnv;
beforeAll(async () => {
  env = testEnv(import.meta.filename);
  await connectTestDb(env);
});
afterAll(async () => {
  await cleanupTestEnv(env);
});

const CHILD = `
const { connectMongo } = await import('./src/db/connection.ts');
const { ensureLayout } = await import('./src/history/layout.ts');
const { createLogger } = await import('./src/logger.ts');
await connectMongo(process.env.URL, createLogger('silent'), { dbName: process.env.DB });
await new Promise((r) => setTimeout(r, Math.max(0, Number(process.env.AT) - Date.now())));
try { await ensureLayout(1); process.stdout.write('ok'); } catch (err) { process.stdout.write(String(err.message)); }
process.exit(0);
`;

describe('start on a new database', () => {
  it('records the layout once however many processes race for it', async () => {
    const at = Date.now() + 10_000;
    const outs = await Promise.all(
      Array.from({ length: 6 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { env: { PATH: process.env.PATH ?? '', URL: env.mongoUrl, DB: env.dbName, AT: String(at) }, timeout: 60_000 }),
      ),
    );
    expect(outs.map((o) => o.stdout)).toEqual(Array(6).fill('ok'));
    // And a start with another layout is still refused.
    await expect(ensureLayout(4)).rejects.toThrow(/stored in 1 partition\(s\) but READ_MODEL_PARTITIONS is 4/);
  }, 90_000);
});
