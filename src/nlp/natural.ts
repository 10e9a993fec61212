// The one import of `natural`. natural's storage modules call dotenv's config() when loaded, which both
// prints a banner to stdout and reads `.env`; quiet-dotenv.ts runs first (ES modules evaluate imports in
// order) so nothing is printed into the tagger's JSON output.
import './quiet-dotenv.js';
import { createRequire } from 'node:module';
import natural from 'natural';

const require = createRequire(import.meta.url);

/** natural's stop-word list for a language it has one for (ISO 639-1 code), else null. */
export function naturalStopwords(language: string): string[] | null {
  if (language === 'en') return natural.stopwords;
  if (!/^[a-z]{2}$/.test(language)) return null;
  try {
    return (require(`natural/lib/natural/util/stopwords_${language}.js`) as { words: string[] }).words;
  } catch {
    return null;
  }
}

export default natural;
