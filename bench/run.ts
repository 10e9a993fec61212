// `npm run bench` (full) or `npm run bench -- --quick`: runs every benchmark against the same FerretDB and
// Redis the tests use, prints a table and writes bench/results.json.
import { benchCapture } from './capture.js';
import { printTable, startServices, writeResults, type Row } from './lib.js';

const quick = process.argv.includes('--quick');
const seed = 20261125;

const services = startServices();
const rows: Row[] = [];
try {
  for (const concurrency of [1, 8]) {
    const capture = await benchCapture({ mongoUrl: services.mongoUrl, redisUrl: services.redisUrl, messages: quick ? 1_000 : 5_000, runs: quick ? 3 : 5, seed, concurrency });
    rows.push(...capture.rows);
    writeResults(`capture_c${concurrency}`, { seed, quick, rows: capture.rows, raw: capture.raw });
  }
  printTable(rows);
  console.log('\nresults written to bench/results.json');
} finally {
  services.stop();
}
