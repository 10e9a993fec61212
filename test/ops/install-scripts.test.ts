// `npm ci` is quiet and deliberate about install scripts (issue 18 item 11): every package of the lockfile that
// has one is approved or denied in package.json's allowScripts (npm 11 warns about the others, npm 12 skips
// them), and npm itself finds none unreviewed. esbuild's postinstall is approved (tsx runs esbuild's binary);
// msgpackr-extract's is denied: it only rebuilds msgpackr's optional native accelerator, which ships prebuilt
// (@msgpackr-extract/*) and which msgpackr does without.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };

describe('install scripts', () => {
  it('are each approved or denied in package.json', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean')).toEqual([]);
    expect(pkg.allowScripts).toMatchObject({ esbuild: true, 'msgpackr-extract': false });
    expect(execFileSync('npm', ['install-scripts', 'ls'], { encoding: 'utf8' }).trim()).toBe('No packages with unreviewed install scripts.');
  });

  it('leave what the product needs working: esbuild for tsx, msgpackr with its prebuilt accelerator', async () => {
    const { transform } = await import('esbuild');
    expect((await transform('const a: number = 1', { loader: 'ts' })).code.trim()).toBe('const a = 1;');
    const require = createRequire(import.meta.url);
    const msgpackr = require('msgpackr') as { pack(v: unknown): Buffer; unpack(b: Buffer): unknown; isNativeAccelerationEnabled?: boolean };
    expect(msgpackr.unpack(msgpackr.pack({ job: 'tag', n: 1 }))).toEqual({ job: 'tag', n: 1 });
  });
});
