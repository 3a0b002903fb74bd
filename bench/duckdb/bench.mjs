// DuckDB side of the JIT benchmark: loads the CSV directory written by
// `cohort gen` into in-memory tables, runs the SQL equivalent of each
// cohort_bench filter with one thread, and prints one line per filter:
//   <filter name>\t<best seconds>\t<count>
// cohort_bench --duckdb <that file> puts the rows/s and ratios in its table
// and checks the counts against the JIT's.
//
//   node bench.mjs DATA_DIR [REPS]
//
// The dates are those of `today = 2026-11-23` (the bench's today), worked out
// the way the checker desugars them: `age >= 65` <=> birth_date <= today - 65
// years; `e.at within last 30 days` <=> at in [2026-10-24T00:00Z, 2026-11-24T00:00Z).
// SQL's NULL logic is Kleene, like Cohort's: a WHERE keeps only TRUE, and an
// `exclude` removes only TRUE (hence COALESCE(..., FALSE)).
import { DuckDBInstance } from '@duckdb/node-api';
import { writeSync } from 'node:fs';

const dir = process.argv[2];
const reps = Number(process.argv[3] ?? 3);
if (!dir) {
  console.error('usage: node bench.mjs DATA_DIR [REPS]');
  process.exit(2);
}

const filters = [
  ['age >= 65', `SELECT count(*) FROM patients WHERE birth_date <= DATE '1961-11-23'`],
  ['FirstTimeSpanish',
   `SELECT count(*) FROM patients
     WHERE telehealth_visits = 0 AND language = 'es'
       AND NOT COALESCE(next_appointment >= DATE '2026-11-23' AND next_appointment <= DATE '2026-12-07', FALSE)
       AND "consent.sms" IS TRUE`],
  ['5-predicate outreach',
   `SELECT count(*) FROM patients
     WHERE birth_date <= DATE '2008-11-23' AND ("consent.sms" OR "consent.email")
       AND last_visit < DATE '2025-11-23' AND portal_active AND no_show_count < 3`],
  ['in-lists + missing + age range',
   `SELECT count(*) FROM patients
     WHERE language IN ('en', 'es', 'vi', 'zh')
       AND zip IN ('01700', '01701', '01702', '01703', '01704', '01705', '01706', '01707', '01708', '01709',
                   '01710', '01711', '01712', '01713', '01714', '01715', '01716', '01717', '01718', '01719')
       AND last_visit IS NULL AND birth_date <= DATE '1986-11-23' AND birth_date > DATE '1951-11-23'`],
  ['quantifier over events',
   `SELECT count(*) FROM patients WHERE id IN (
      SELECT patient_id FROM events
       WHERE kind = 'email_opened'
         AND "at" >= TIMESTAMPTZ '2026-10-24 00:00:00+00' AND "at" < TIMESTAMPTZ '2026-11-24 00:00:00+00')`],
];

const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await instance.connect();
await con.run(`SET threads = 1`);
await con.run(`SET TimeZone = 'UTC'`);
const t0 = performance.now();
// Column types pinned: zips keep their leading zeros, empty cells are NULL.
await con.run(`CREATE TABLE patients AS SELECT * FROM read_csv('${dir}/patients.csv', header = true,
  types = {'id': 'VARCHAR', 'zip': 'VARCHAR', 'language': 'VARCHAR', 'birth_date': 'DATE', 'last_visit': 'DATE',
           'next_appointment': 'DATE', 'telehealth_visits': 'BIGINT', 'no_show_count': 'BIGINT',
           'portal_active': 'BOOLEAN', 'consent.sms': 'BOOLEAN', 'consent.email': 'BOOLEAN'})`);
await con.run(`CREATE TABLE events AS SELECT * FROM read_csv('${dir}/events.csv', header = true,
  types = {'patient_id': 'VARCHAR', 'kind': 'VARCHAR', 'at': 'TIMESTAMPTZ', 'channel': 'VARCHAR'})`);
const rows = (await con.runAndReadAll('SELECT count(*) FROM patients')).getRows()[0][0];
console.error(`duckdb: ${rows} patients loaded in ${((performance.now() - t0) / 1000).toFixed(2)}s (threads=1)`);

for (const [name, sql] of filters) {
  let best = Infinity;
  let count = -1n;
  for (let r = 0; r < reps; ++r) {
    const a = performance.now();
    const result = await con.runAndReadAll(sql);
    const seconds = (performance.now() - a) / 1000;
    count = result.getRows()[0][0];
    best = Math.min(best, seconds);
  }
  writeSync(1, `${name}\t${best}\t${count}\n`);
}
con.closeSync();
instance.closeSync();
