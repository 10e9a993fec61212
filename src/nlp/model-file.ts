// The versioned model file: everything the tagger learned, in one JSON file (models/tagger-model.json).
// The version is a hash of the content and of the feature code's revision, so any retraining that changes the
// model changes the version every tag records.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../errors.js';
import type { NeedsParams } from './needs.js';
import type { SentimentLayer } from './support-sentiment.js';

/** Bump when tokenising, normalising or feature code changes what a model's numbers mean. */
export const FEATURE_CODE_REVISION = 6;
export const MODEL_FORMAT = 1;

export interface ModelFile {
  format: number;
  /** `nb<taxonomy version>-<hash>`: recorded in every tag. */
  version: string;
  trainedAt: string;
  taxonomy: { version: number; needs: string[]; threshold: number };
  needs: NeedsParams;
  /** The trained sentiment layer; null = rules only. */
  sentiment: SentimentLayer | null;
  /** What the model was trained on, for the record. */
  trainingData: Record<string, unknown>;
}

export const DEFAULT_MODEL_PATH = new URL('../../models/tagger-model.json', import.meta.url);

export function modelVersion(m: Omit<ModelFile, 'version' | 'trainedAt'>): string {
  const h = createHash('sha1')
    .update(JSON.stringify({ r: FEATURE_CODE_REVISION, f: m.format, t: m.taxonomy, n: m.needs, s: m.sentiment }))
    .digest('hex')
    .slice(0, 10);
  return `nb${m.taxonomy.version}-${h}`;
}

export function writeModelFile(path: URL | string, model: ModelFile): void {
  const p = typeof path === 'string' ? path : fileURLToPath(path);
  mkdirSync(dirname(p), { recursive: true });
  // Written beside it, then renamed over it: a worker starting meanwhile reads the old model or the new one,
  // never half of one (a write in place was seen read half-written by a worker starting during `npm run train`).
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(model) + '\n');
  renameSync(tmp, p);
}

export function readModelFile(path: URL | string = DEFAULT_MODEL_PATH): ModelFile {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ModelError(`model file ${String(path)} cannot be read (${(err as Error).message}); run \`npm run train\``);
  }
  let m: ModelFile;
  try {
    m = JSON.parse(raw) as ModelFile;
  } catch (err) {
    throw new ModelError(`model file ${String(path)} is not complete JSON (${(err as Error).message}); run \`npm run train\``);
  }
  if (m.format !== MODEL_FORMAT) throw new ModelError(`model file ${String(path)} has format ${m.format}, this code reads ${MODEL_FORMAT}; run \`npm run train\``);
  if (!m.needs || !Array.isArray(m.needs.classes) || typeof m.version !== 'string') throw new ModelError(`model file ${String(path)} is incomplete; run \`npm run train\``);
  const expected = modelVersion(m);
  if (expected !== m.version) throw new ModelError(`model file ${String(path)} was changed by hand or by other code (version ${m.version}, content ${expected}); run \`npm run train\``);
  return m;
}
