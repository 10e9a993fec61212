// The model file is replaced whole (a worker reading it while `npm run train` writes never sees half of it),
// and a damaged one is refused with the error that says what to run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { DEFAULT_MODEL_PATH, readModelFile, writeModelFile } from '../../src/nlp/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sh-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shipped = readModelFile(DEFAULT_MODEL_PATH);

describe('model file', () => {
  it('is replaced by a new file, not rewritten in place, and leaves no temporary file', () => {
    const path = join(dir, 'model.json');
    writeModelFile(path, shipped);
    const before = statSync(path).ino;
    writeModelFile(path, shipped);
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['model.json']);
    expect(readModelFile(path).version).toBe(shipped.version);
  });

  it('refuses a half-written file with a ModelError naming npm run train', () => {
    const path = join(dir, 'half.json');
    const whole = readFileSync(DEFAULT_MODEL_PATH, 'utf8');
    writeFileSync(path, whole.slice(0, Math.floor(whole.length / 2)));
    expect(() => readModelFile(path)).toThrow(ModelError);
    expect(() => readModelFile(path)).toThrow(/is not complete JSON .*run `npm run train`/);
  });
});
