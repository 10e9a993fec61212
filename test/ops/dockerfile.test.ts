// The Docker image holds what the processes read at run time: the test copies exactly what the Dockerfile
// COPYs into an empty directory (node_modules linked in for `npm ci`) and starts the CLI and the tagger there.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function copiedPaths(dockerfile: string): string[] {
  return dockerfile
    .split('\n')
    .filter((l) => /^COPY\s/.test(l))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1))
    .filter((p) => !p.startsWith('--'));
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('copies every runtime directory, including the tagger model', () => {
    const paths = copiedPaths(dockerfile);
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'adapters', 'jobs', 'bin', 'data', 'models']) expect(paths).toContain(needed);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    // The compose file runs the image's entry point with bot / worker.
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/image: mongo:7/);
    expect(compose).toMatch(/image: redis:7/);
    expect(compose).toMatch(/command: \["bot"\]/);
    expect(compose).toMatch(/command: \["worker"\]/);
    // The image's health check probes PORT; a worker serves HTTP on WORKER_PORT: the compose file makes them one.
    expect(dockerfile).toMatch(/HEALTHCHECK .*process\.env\.PORT\|\|3000/);
    const worker = compose.slice(compose.indexOf('command: ["worker"]'));
    expect(worker).toMatch(/WORKER_PORT: "3000"/);
    expect(worker).toMatch(/PORT: "3000"/);
  });

  it('runs the CLI and loads the tagger model from only what the image holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sh-image-'));
    try {
      for (const p of copiedPaths(dockerfile)) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      const help = execFileSync(process.execPath, ['bin/support-history.js', '--help'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      expect(help).toMatch(/usage: support-history/);
      const model = execFileSync(process.execPath, ['--import', 'tsx', '-e', "const { loadTagger } = await import('./src/nlp/tagger.ts'); process.stdout.write(loadTagger().modelVersion)"], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(model).toMatch(/\S+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
