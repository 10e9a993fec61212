// The import-direction rules of .dependency-cruiser.cjs (run by `npm run deps` in `npm test`) bite: a fixture
// tree that breaks each rule once gets exactly those violations, and the real tree is parsed (a parser that
// cannot read TypeScript cruises no module and reports nothing).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');

interface CruiseResult {
  modules: unknown[];
  summary: { violations: Array<{ from: string; to: string; rule: { name: string } }> };
}

function cruise(cwd: string, paths: string[]): CruiseResult {
  // depcruise exits non-zero when it finds violations; the JSON is on stdout either way.
  try {
    return JSON.parse(execFileSync(depcruise, [...paths, '--config', join(cwd, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as CruiseResult;
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    if (!out) throw err;
    return JSON.parse(out) as CruiseResult;
  }
}

const fixture = mkdtempSync(join(tmpdir(), 'sh-deps-'));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(fixture, path)), { recursive: true });
  writeFileSync(join(fixture, path), text);
}

describe('dependency rules', () => {
  it('report each broken direction in a fixture tree, and nothing for allowed imports', () => {
    copyFileSync(join(root, '.dependency-cruiser.cjs'), join(fixture, '.dependency-cruiser.cjs'));
    copyFileSync(join(root, 'tsconfig.json'), join(fixture, 'tsconfig.json'));
    write('src/domain/types.ts', "import { x } from '../db/models.js';\nexport type Platform = 'slack';\nexport const y = x;\n");
    write('src/db/models.ts', "export const x = 1;\n");
    write('src/counters/count.ts', "import { dayKey } from '../history/windows.js';\nexport const c = dayKey;\n");
    write('src/history/windows.ts', "import type { Platform } from '../domain/types.js';\nexport const dayKey = (p: Platform): string => p;\n");
    write('src/nlp/tagger.ts', "import { start } from '../../adapters/slack/app.js';\nexport const t = start;\n");
    write('adapters/slack/app.ts', "import { x } from '../../src/db/models.js';\nimport { d } from '../discord/app.js';\nexport const start = x + d;\n");
    write('adapters/discord/app.ts', "import { c } from '../../src/counters/count.js';\nexport const d = 2;\nexport const e = c;\n");
    write('jobs/a.ts', "import { b } from './b.js';\nexport const a = b;\n");
    write('jobs/b.ts', "import { a } from './a.js';\nexport const b = a;\n");
    const result = cruise(fixture, ['src', 'adapters', 'jobs']);
    const found = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual(
      [
        'adapters-use-src-apis: adapters/slack/app.ts → src/db/models.ts',
        'domain-is-self-contained: src/domain/types.ts → src/db/models.ts',
        'layer-counters-feedback: src/counters/count.ts → src/history/windows.ts',
        'layer-domain: src/domain/types.ts → src/db/models.ts',
        'no-circular: jobs/a.ts → jobs/b.ts',
        'platforms-apart: adapters/slack/app.ts → adapters/discord/app.ts',
        'src-stays-inside: src/nlp/tagger.ts → adapters/slack/app.ts',
      ].sort(),
    );
  });

  it('parse the real tree: every source file is a module, and it has no violation', () => {
    const result = cruise(root, ['src', 'adapters', 'jobs', 'bin']);
    expect(result.modules.length).toBeGreaterThan(150);
    expect(result.summary.violations).toEqual([]);
  }, 60_000);
});
