// The needs taxonomy is data: a JSON file of needs with the Bitext intents and example phrases they learn from.
import { ModelError } from '../errors.js';

export interface NeedDefinition {
  name: string;
  bitextIntents: string[];
  examples: string[];
}

export interface Taxonomy {
  version: number;
  threshold: number;
  needs: NeedDefinition[];
}

const NEED_NAME = /^[a-z][a-z0-9_]{0,39}$/;
/** Fewest example phrases a need without Bitext intents may have. */
export const MIN_EXAMPLES = 5;

/** Validates a parsed taxonomy file, naming every problem. */
export function parseTaxonomy(raw: unknown, source = 'taxonomy'): Taxonomy {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null) throw new ModelError(`${source}: must be a JSON object`);
  const t = raw as Record<string, unknown>;
  const threshold = t.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) problems.push('threshold must be a number between 0 and 1');
  if (!Array.isArray(t.needs) || t.needs.length === 0) problems.push('needs must be a non-empty array');
  const seen = new Set<string>();
  const needs: NeedDefinition[] = [];
  for (const [i, n] of (Array.isArray(t.needs) ? t.needs : []).entries()) {
    const need = n as Record<string, unknown>;
    const name = need?.name;
    if (typeof name !== 'string' || !NEED_NAME.test(name)) {
      problems.push(`needs[${i}].name must be lower-case letters, digits and _ (got ${JSON.stringify(name)})`);
      continue;
    }
    if (name === 'none') problems.push(`needs[${i}]: "none" is reserved for "no need"`);
    if (seen.has(name)) problems.push(`needs[${i}]: duplicate need "${name}"`);
    seen.add(name);
    const intents = Array.isArray(need.bitextIntents) ? need.bitextIntents.filter((x): x is string => typeof x === 'string') : [];
    const rawExamples = Array.isArray(need.examples) ? need.examples : [];
    const examples = rawExamples.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    if (rawExamples.length !== examples.length) problems.push(`need "${name}" has ${rawExamples.length - examples.length} empty or non-text example phrase(s)`);
    if (intents.length === 0 && examples.length === 0) {
      problems.push(`need "${name}" is empty: give it example phrases (at least ${MIN_EXAMPLES}) or Bitext intents`);
    } else if (intents.length === 0 && examples.length < MIN_EXAMPLES) {
      problems.push(`need "${name}" has ${examples.length} example phrase(s); give at least ${MIN_EXAMPLES} (or Bitext intents)`);
    }
    needs.push({ name, bitextIntents: intents, examples });
  }
  if (problems.length > 0) throw new ModelError(`${source}: ${problems.join('; ')}`);
  return { version: typeof t.version === 'number' ? t.version : 1, threshold: threshold as number, needs };
}
