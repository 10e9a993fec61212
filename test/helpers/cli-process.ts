// Runs the real CLI (`support-history <command>`) as a child process, as a user or an orchestrator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';


export interface CliProcess {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** Resolves when a log line matching the pattern has been written (bounded). */
  waitForLog(pattern: RegExp, deadlineMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function runCli(args: string[], env: Record<string, string>): CliProcess {
  // `node --import tsx` rather than the tsx binary: the tsx binary runs node as a grandchild, so a SIGKILL
  // (which it cannot relay) would leave the real process running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    out: () => out,
    err: () => err,
    async waitForLog(pattern, deadlineMs = 60_000) {
      const end = Date.now() + deadlineMs;
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before logging ${pattern}: ${err.slice(-500)}`);
        if (Date.now() > end) throw new Error(`no log line matching ${pattern} within ${deadlineMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
