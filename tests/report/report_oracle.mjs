// Independent checks of `cohort report --format json --min-cell 0`:
//  - members, overlap and the where-step equity by language recomputed with
//    DuckDB from patients.csv (SQL three-valued logic, no Cohort code);
//  - listed counts and contact overlap recomputed from the lists that
//    `cohort run` wrote for the same file and data.
// usage: node report_oracle.mjs DATA_DIR OUT_DIR REPORT.json
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const modules = process.env.COHORT_NODE_MODULES;
const { DuckDBInstance } = require(path.join(modules, '@duckdb/node-api'));
const [dataDir, outDir, reportPath] = process.argv.slice(2);
const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
const errors = [];
const check = (what, got, want) => {
  if (got !== want) errors.push(`${what}: report ${got}, oracle ${want}`);
};

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const csv = path.join(dataDir, 'patients.csv').replaceAll("'", "''");
await con.run(`CREATE TABLE p AS SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)`);
const today = `DATE '${report.today}'`;
// The segments of oracle.cohort, written independently in SQL. NULL follows
// SQL's three-valued logic: WHERE keeps TRUE, an exclude removes TRUE.
const segs = {
  Spanish: {
    where: [`"language" = 'es'`],
    exclude: [`CAST(next_appointment AS DATE) BETWEEN ${today} AND ${today} + INTERVAL 14 DAY`],
  },
  NoTelehealth: { where: [`CAST(telehealth_visits AS BIGINT) = 0`, `CAST(portal_active AS BOOLEAN)`], exclude: [] },
  Women: { where: [`sex = 'female'`, `NOT CAST(portal_active AS BOOLEAN)`], exclude: [`CAST(no_show_count AS BIGINT) > 2`] },
};
const member = (s) => {
  const w = segs[s].where.map((c) => `coalesce((${c}), false)`).join(' AND ');
  const x = segs[s].exclude.map((c) => ` AND NOT coalesce((${c}), false)`).join('');
  return `(${w}${x})`;
};
const names = Object.keys(segs);
const count = async (cond) => Number((await con.runAndReadAll(`SELECT count(*) AS n FROM p WHERE ${cond}`)).getRowObjectsJS()[0].n);

for (const a of names) {
  const seg = report.segments.find((s) => s.name === a);
  check(`${a} members`, seg.members, await count(member(a)));
  for (const b of names) {
    const o = report.overlap.find((e) => e.a === a && e.b === b);
    check(`overlap ${a} ${b}`, o.both, await count(`${member(a)} AND ${member(b)}`));
  }
  // Equity of the first where conjunct, by language.
  const eq = report.equity.find((e) => e.segment === a && e.step === 0 && e.by === 'language');
  const rows = (await con.runAndReadAll(
    `SELECT coalesce("language", '(missing)') AS g, count(*) AS entering,
            count(*) FILTER (WHERE NOT coalesce((${segs[a].where[0]}), false)) AS removed
     FROM p GROUP BY 1`)).getRowObjectsJS();
  for (const r of rows) {
    const g = eq.groups.find((x) => x.group === r.g);
    if (!g) { errors.push(`${a}: no equity group ${r.g}`); continue; }
    check(`${a} equity ${r.g} entering`, g.entering, Number(r.entering));
    check(`${a} equity ${r.g} removed`, g.removed, Number(r.removed));
  }
}

// From the lists `cohort run` wrote: listed counts and contact overlap.
const sends = new Map();  // key -> [[day, segment]]
for (const seg of report.segments) {
  for (const ch of seg.channels) {
    const file = path.join(outDir, seg.name, ch.channel.split('#')[0] + '.csv');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).filter((l) => l);
    check(`${seg.name} ${ch.channel} listed`, ch.listed, lines.length);
    for (const l of lines) {
      const [key, sendOn] = l.split(',');
      const day = Date.parse(sendOn + 'T00:00:00Z') / 86400000;
      if (!sends.has(key)) sends.set(key, []);
      sends.get(key).push([day, seg.name]);
    }
  }
}
const window = report.contact_overlap.window_days;
let multi = 0;
const pairs = new Map();
for (const list of sends.values()) {
  list.sort((x, y) => x[0] - y[0]);
  let any = false;
  const seen = new Set();
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      if (list[j][0] - list[i][0] >= window) continue;
      any = true;
      if (list[i][1] !== list[j][1]) seen.add([list[i][1], list[j][1]].sort().join('|'));
    }
  if (any) multi++;
  for (const p of seen) pairs.set(p, (pairs.get(p) ?? 0) + 1);
}
check('records with several messages within the window', report.contact_overlap.patients, multi);
for (const p of report.contact_overlap.pairs)
  check(`contact overlap ${p.a} ${p.b}`, p.both, pairs.get([p.a, p.b].sort().join('|')) ?? 0);

if (errors.length) {
  console.error(`FAIL: ${errors.length} differences\n  ${errors.slice(0, 30).join('\n  ')}`);
  process.exit(1);
}
console.log(`ok: report matches DuckDB and the lists (${names.length} segments)`);
