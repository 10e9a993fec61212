// `npm run start:local` stops everything it started when the npm process gets SIGTERM, SIGINT or SIGHUP: the
// launcher script, the app and the FerretDB it started are gone and their ports are free. Each run is the real
// launcher (scripts/local.sh through npm) on ports and a FerretDB database of this test's own.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../helpers/servers.js';
import { until } from '../faults/harness.js';
import { inject } from 'vitest';

const started: ChildProcess[] = [];
const cleanups: Array<() => void> = [];

afterAll(() => {
  // Whatever a failed run left: its whole process group, then its database and folders.
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const c of cleanups) c();
});

/** Every process in the process group (the launcher is started as a group leader), FerretDB included. */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

describe('npm run start:local', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`stops the launcher, the app and FerretDB, and frees their ports, on ${signal} to npm`, async () => {
      const id = `${signal.toLowerCase()}_${process.pid}`;
      const [appPort, ferretPort] = [await freePort(), await freePort()];
      const state = `.services/t-local-${id}`;
      const data = mkdtempSync(join(tmpdir(), 'sh-local-'));
      const pgDatabase = `t_local_${id}`;
      cleanups.push(() => {
        rmSync(state, { recursive: true, force: true });
        rmSync(data, { recursive: true, force: true });
        execFileSync('bash', ['scripts/test-services.sh', 'pg-drop', pgDatabase], { stdio: 'ignore' });
      });
      const npm = spawn('npm', ['run', 'start:local'], {
        detached: true, // a process group of its own: what it starts can be found, and killed if the test fails
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          FERRETDB_PORT: String(ferretPort),
          PORT: String(appPort),
          HOST: '127.0.0.1',
          LOCAL_STATE: state,
          LOCAL_DATA: data,
          FERRETDB_PG_DATABASE: pgDatabase,
          REDIS_URL: inject('redisUrl'),
          QUEUE_PREFIX: `t_local_${id}`,
          LOG_LEVEL: 'info',
        },
      });
      started.push(npm);
      let out = '';
      npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, sig) => resolve({ code, signal: sig })));

      await until('the app to answer /healthz', () => healthy(appPort), 120_000, 250).catch((err: Error) => {
        throw new Error(`${err.message}\n${out.slice(-2000)}`);
      });
      const ferretPid = Number(readFileSync(join(state, 'ferretdb.pid'), 'utf8'));
      const pids = groupPids(npm.pid!);
      // npm, the launcher, the app and FerretDB at least (FerretDB outlives test-services.sh, its parent).
      expect(pids).toContain(npm.pid);
      expect(pids).toContain(ferretPid);
      expect(pids.length).toBeGreaterThanOrEqual(4);

      process.kill(npm.pid!, signal);
      await exited;
      await until(`every process start:local started to end after ${signal}`, async () => pids.every((p) => !alive(p)), 60_000, 200).catch((err: Error) => {
        throw new Error(`${err.message}: still running ${pids.filter(alive).join(', ')}\n${out.slice(-2000)}`);
      });
      await waitForPort(appPort, false, 5_000);
      await waitForPort(ferretPort, false, 5_000);
      expect(groupPids(npm.pid!)).toEqual([]);
      expect(out).toMatch(/"msg":"stopped"/); // the app shut down cleanly (it was not killed)
    }, 240_000);
  }
});
