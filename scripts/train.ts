// `npm run train`: retrains the tagger from data/ and writes the versioned model file.
//   --data <dir>     needs data directory (taxonomy.json, bitext-train.csv, none-examples.json); default data/needs
//   --out <file>     model file; default models/tagger-model.json
//   --no-sentiment   rules-only sentiment (no trained layer)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelError } from '../src/errors.js';
import { DEFAULT_MODEL_PATH, writeModelFile } from '../src/nlp/model-file.js';
import { trainModel } from '../src/nlp/train.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dataDir = arg('--data');
const out = arg('--out');
const started = Date.now();
try {
  const model = trainModel({
    ...(dataDir ? { needsDir: pathToFileURL(resolve(dataDir) + '/') } : {}),
    ...(process.argv.includes('--no-sentiment') ? { sentimentDir: null } : {}),
  });
  const path = out ? pathToFileURL(resolve(out)) : DEFAULT_MODEL_PATH;
  writeModelFile(path, model);
  console.log(`model ${model.version}: needs ${model.taxonomy.needs.join(', ')}; ${Object.keys(model.needs.features).length} features; ` +
    `sentiment layer ${model.sentiment ? `${Object.keys(model.sentiment.kind === 'logistic' ? model.sentiment.weights : model.sentiment.stems).length} features` : 'off'}; ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.pathname}`);
} catch (err) {
  if (err instanceof ModelError) {
    console.error(`train: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
