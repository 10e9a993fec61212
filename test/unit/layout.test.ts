// Dependency direction (DESIGN.md): adapters/ and jobs/ import from src/; src/ imports neither, and the
// two adapters never import each other.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

describe('layout', () => {
  it('src/ never imports adapters/ or jobs/', () => {
    const bad = files('src').flatMap((f) => imports(f).filter((i) => /(^|\/)(adapters|jobs)\//.test(i)).map((i) => `${f} → ${i}`));
    expect(bad).toEqual([]);
  });
  it('adapters/slack and adapters/discord never import each other', () => {
    const bad = [
      ...files('adapters/slack').flatMap((f) => imports(f).filter((i) => i.includes('discord/')).map((i) => `${f} → ${i}`)),
      ...files('adapters/discord').flatMap((f) => imports(f).filter((i) => i.includes('slack/')).map((i) => `${f} → ${i}`)),
    ];
    expect(bad).toEqual([]);
  });
});
