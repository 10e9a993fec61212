// Private servers for fault tests: a redis-server and a FerretDB of the test's own, on loopback ports,
// that the test stops and starts to inject faults (the shared dev servers are never touched).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls until a TCP connect to the port succeeds (or fails, with `up: false`), within a deadline. */
export async function waitForPort(port: number, up = true, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open === up) return;
    if (Date.now() > until) throw new Error(`port ${port} did not ${up ? 'open' : 'close'} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A redis-server with no persistence, stoppable and restartable on the same port. */
export class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPort(this.port, true);
  }

  async down(): Promise<void> {
    await stopChild(this.child);
    this.child = null;
    await waitForPort(this.port, false);
  }
}

/**
 * A FerretDB of the test's own, on the storage backend the shared test server uses (scripts/test-services.sh:
 * PostgreSQL when one answers, else SQLite), with storage of its own (a PostgreSQL database or a directory); a
 * restart keeps the data, like a database restart.
 */
export class OwnFerret {
  private child: ChildProcess | null = null;
  private readonly dir: string;
  private readonly bin: string;
  private readonly storage: string[];
  private readonly pgDatabase: string | null;
  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'sh-ferret-'));
    this.bin = services(['build']).split('\n').pop()!;
    if (services(['backend']) === 'postgresql') {
      this.pgDatabase = `support_history_own_${port}_${process.pid}`;
      this.storage = ['--handler=postgresql', `--postgresql-url=${services(['pg-create', this.pgDatabase])}`];
    } else {
      this.pgDatabase = null;
      this.storage = ['--handler=sqlite', `--sqlite-url=file:${this.dir}/`];
    }
  }

  static async start(): Promise<OwnFerret> {
    const f = new OwnFerret(await freePort());
    await f.up();
    return f;
  }

  url(dbName: string): string {
    return `mongodb://127.0.0.1:${this.port}/${dbName}`;
  }

  async up(): Promise<void> {
    this.child = spawn(
      this.bin,
      [...this.storage, `--state-dir=${this.dir}`, `--listen-addr=127.0.0.1:${this.port}`, '--debug-addr=-', '--telemetry=disable', '--log-level=error'],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port, true);
  }

  /** SIGKILL: the server dies mid-stream, as in a crash. */
  async crash(): Promise<void> {
    await stopChild(this.child, 'SIGKILL');
    this.child = null;
    await waitForPort(this.port, false);
  }

  async close(): Promise<void> {
    await stopChild(this.child);
    this.child = null;
    rmSync(this.dir, { recursive: true, force: true });
    if (this.pgDatabase) services(['pg-drop', this.pgDatabase]);
  }
}

/** Runs scripts/test-services.sh with these arguments; its last line of output. */
function services(args: string[]): string {
  return execFileSync('bash', ['scripts/test-services.sh', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}
