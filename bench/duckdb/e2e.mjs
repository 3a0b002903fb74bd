// DuckDB side of the end-to-end benchmark (bench/ingest.sh): read_csv with
// explicit types + the SQL of bench/e2e_spanish.cohort + writing the list,
// from a cold start, with the given number of threads. Prints
//   duckdb_e2e\t<seconds>\t<rows written>
//
//   node e2e.mjs DATA_DIR THREADS OUT_CSV
// Today is 2026-11-23 (as in bench/ingest.sh): `within next 14 days` is
// [2026-11-23, 2026-12-07]; `if consent` is "consent.sms" IS TRUE; an
// `exclude` removes only TRUE (COALESCE(..., FALSE)).
import { DuckDBInstance } from '@duckdb/node-api';
import { writeSync } from 'node:fs';

const [dir, threads, out] = process.argv.slice(2);
if (!dir || !threads || !out) {
  console.error('usage: node e2e.mjs DATA_DIR THREADS OUT_CSV');
  process.exit(2);
}
const t0 = performance.now();
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await instance.connect();
await con.run(`SET TimeZone = 'UTC'`);
await con.run(`COPY (
  SELECT id AS key, DATE '2026-11-23' AS send_on, 'onboarding-es' AS message, 'book_video_visit' AS cta
    FROM read_csv('${dir}/patients.csv', header = true, auto_detect = true,
      types = {'id': 'VARCHAR', 'zip': 'VARCHAR', 'language': 'VARCHAR', 'birth_date': 'DATE',
               'last_visit': 'DATE', 'next_appointment': 'DATE', 'telehealth_visits': 'BIGINT',
               'no_show_count': 'BIGINT', 'portal_active': 'BOOLEAN', 'consent.sms': 'BOOLEAN',
               'consent.email': 'BOOLEAN'})
   WHERE telehealth_visits = 0 AND language = 'es'
     AND NOT COALESCE(next_appointment >= DATE '2026-11-23' AND next_appointment <= DATE '2026-12-07', FALSE)
     AND "consent.sms" IS TRUE
) TO '${out}' (HEADER, DELIMITER ',')`);
const rows = (await con.runAndReadAll(`SELECT count(*) FROM read_csv('${out}', header = true)`)).getRows()[0][0];
const seconds = (performance.now() - t0) / 1000;
con.closeSync();
instance.closeSync();
writeSync(1, `duckdb_e2e\t${seconds}\t${rows}\n`);
