// The one import of `natural`. natural's storage modules call dotenv's config() when loaded, which both
// prints a banner to stdout and reads `.env`; quiet-dotenv.ts runs first (ES modules evaluate imports in
// order) so nothing is printed into the tagger's JSON output.
import './quiet-dotenv.js';
import natural from 'natural';

export default natural;
