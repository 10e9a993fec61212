// Starts FerretDB and makes sure Redis answers, unless MONGO_URL/REDIS_URL point at servers already
// (for example a real MongoDB 7). Each test file then uses its own database and queue prefix.
import { execFileSync } from 'node:child_process';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    redisUrl: string;
  }
}

let started = false;

export default function setup(project: TestProject): () => void {
  let mongoUrl = process.env.MONGO_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!mongoUrl || !redisUrl) {
    const out = execFileSync('bash', ['scripts/test-services.sh', 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const vars = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
    mongoUrl ??= vars.MONGO_URL;
    redisUrl ??= vars.REDIS_URL;
    // Stop FerretDB afterwards only if this run started it (another run may be using it).
    started = vars.STARTED === '1';
  }
  project.provide('mongoUrl', mongoUrl!);
  project.provide('redisUrl', redisUrl!);
  return () => {
    if (started) execFileSync('bash', ['scripts/test-services.sh', 'stop'], { stdio: 'inherit' });
  };
}
