// scripts/ferretdb.sh run twice at once into an empty cache (two first runs: a test run beside start:local):
// both succeed with the same working binary and leave nothing else behind. The real script, the real Go
// toolchain and module cache; `go` on PATH is the real one behind a barrier that holds each `go build` until
// both have built, so both runs reach the step that used to collide (a shared `.tmp` path: one `mv` failed).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'sh-ferretdb-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/ferretdb.sh', () => {
  it('builds once per run into a file of its own and renames it into place: two first runs at once both succeed', async () => {
    const realGo = execFileSync('bash', ['-c', 'command -v go'], { encoding: 'utf8' }).trim();
    const goEnv = (name: string): string => execFileSync(realGo, ['env', name], { encoding: 'utf8' }).trim();
    const wrap = join(dir, 'bin');
    const barrier = join(dir, 'barrier');
    const cache = join(dir, 'cache');
    mkdirSync(wrap);
    mkdirSync(barrier);
    writeFileSync(
      join(wrap, 'go'),
      `#!/usr/bin/env bash
"${realGo}" "$@"; rc=$?
if [ "$1" = build ]; then
  touch "${barrier}/$$"
  for _ in $(seq 1200); do [ "$(ls "${barrier}" | wc -l)" -ge 2 ] && break; sleep 0.1; done
fi
exit $rc
`,
    );
    chmodSync(join(wrap, 'go'), 0o755);
    const env = {
      PATH: `${wrap}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      SUPPORT_HISTORY_CACHE: cache,
      // No installed binary to fall back on: an empty GOPATH, with the machine's module and build caches.
      GOPATH: join(dir, 'gopath'),
      GOMODCACHE: goEnv('GOMODCACHE'),
      GOCACHE: goEnv('GOCACHE'),
      FERRETDB_BIN: '',
    };
    const runs = await Promise.allSettled([0, 1].map(() => run('bash', [join(ROOT, 'scripts/ferretdb.sh')], { env, timeout: 600_000 })));
    const target = join(cache, 'ferretdb-v1.24.2');
    for (const r of runs) {
      expect(r.status, r.status === 'rejected' ? String((r.reason as { stderr?: string }).stderr) : '').toBe('fulfilled');
      if (r.status === 'fulfilled') expect(r.value.stdout).toBe(`${target}\n`);
    }
    expect(readdirSync(barrier)).toHaveLength(2); // both really built
    expect(readdirSync(cache)).toEqual(['ferretdb-v1.24.2']); // no temporary file left
    expect(execFileSync(target, ['--version'], { encoding: 'utf8' })).toContain('version: v1.24.2');
    // A third run finds the binary and builds nothing.
    const again = await run('bash', [join(ROOT, 'scripts/ferretdb.sh')], { env });
    expect(again).toEqual({ stdout: `${target}\n`, stderr: '' });
    expect(readdirSync(barrier)).toHaveLength(2);
  }, 900_000);
});
