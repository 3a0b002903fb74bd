// Runs Cohort's generated SQL on DuckDB (npm @duckdb/node-api) and writes the
// rows into the OUT layout of `cohort run`, so lists can be compared byte for
// byte with the engines' output. Also converts PostgreSQL's CSV rows.
//
//   node sqlrun.mjs duckdb JOBS.json
//     JOBS: [{ddl, tables: {table: csv}, query, manifest, out, summary?, summary_out?}]
//     (ddl, query and summary are files of SQL text)
//   node sqlrun.mjs lists ROWS.csv MANIFEST.json OUT
//     ROWS: `COPY (query) TO STDOUT (FORMAT csv, HEADER)` output of PostgreSQL
//
// Lists are written as run.cpp writes them: header, one row per line, fields
// quoted only when they hold , " CR or LF; channel lists `key,send_on,message,cta`
// (+ exports), holdout lists `key`. Rows keep the query's order.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const modules = process.env.COHORT_NODE_MODULES || '/work/main/build-test/tools/node_modules';

function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[,"\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

// RFC 4180 rows; `null` for an unquoted empty field (PostgreSQL's NULL).
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false, wasQuoted = false, i = 0;
  const end = () => { row.push(field === '' && !wasQuoted ? null : field); field = ''; wasQuoted = false; };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; wasQuoted = true; i++; continue; }
    if (c === ',') { end(); i++; continue; }
    if (c === '\n' || c === '\r') {
      end(); rows.push(row); row = [];
      i += (c === '\r' && text[i + 1] === '\n') ? 2 : 1; continue;
    }
    field += c; i++;
  }
  if (field !== '' || wasQuoted || row.length) { end(); rows.push(row); }
  return rows;
}

// rows: objects with segment, list, key, send_on, message, cta and export columns.
function writeLists(rows, columns, manifest, out) {
  const bySegList = new Map();
  for (const r of rows) {
    const k = r.segment + '\u0000' + r.list;
    if (!bySegList.has(k)) bySegList.set(k, []);
    bySegList.get(k).push(r);
  }
  const known = new Set();
  for (const seg of manifest.segments) {
    fs.mkdirSync(path.join(out, seg.name), { recursive: true });
    const exportCols = seg.header.split(',').slice(4);
    for (const list of seg.lists) {
      known.add(seg.name + '\u0000' + list);
      const rs = bySegList.get(seg.name + '\u0000' + list) || [];
      let text;
      if (list === 'holdout') {
        text = 'key\n' + rs.map(r => csvField(r.key) + '\n').join('');
      } else {
        text = seg.header + '\n' + rs.map(r => [r.key, r.send_on, r.message, r.cta, ...exportCols.map(c => r[c])]
          .map(csvField).join(',') + '\n').join('');
      }
      fs.writeFileSync(path.join(out, seg.name, list + '.csv'), text);
    }
  }
  for (const k of bySegList.keys()) {
    if (!known.has(k)) throw new Error('the query returned rows of an unknown list: ' + k.replace('\u0000', '/'));
  }
}

// As PostgreSQL's `COPY ... (FORMAT csv, DELIMITER E'\t')` prints a field.
function tsvField(v) {
  const s = toText(v);
  if (s === null) return '';
  return s === '' ? '""' : s;
}

// summary.json flattened to the rows of `cohort sql --summary`, in its order.
function summaryRows(file) {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  const rows = [['', 'records', j.records]];
  for (const s of j.segments) {
    rows.push([s.name, 'records', s.records], [s.name, 'where_matched', s.where_matched]);
    s.exclude_removed.forEach((n, k) => rows.push([s.name, `exclude_removed.${k + 1}`, n]));
    rows.push([s.name, 'members', s.members], [s.name, 'taken_by_campaign', s.taken_by_campaign], [s.name, 'held_out', s.held_out]);
    for (const c of s.channels) {
      for (const f of ['eligible', 'listed', 'lacked_consent', 'condition_false', 'capped']) rows.push([s.name, `${c.channel}#${c.step}.${f}`, c[f]]);
    }
  }
  for (const c of j.campaigns) {
    // The query lists pairs in priority order (later segment, then earlier one).
    const order = new Map(c.priority.map((n, i) => [n, i]));
    const taken = [...c.taken].sort((a, b) => order.get(a.from) - order.get(b.from) || order.get(a.by) - order.get(b.by));
    for (const t of taken) rows.push([c.name, `taken:${t.by}>${t.from}`, t.records]);
  }
  rows.push(['', 'events.rows', j.events.rows], ['', 'events.unmatched', j.events.unmatched]);
  return rows.map(r => r.map(tsvField).join('\t') + '\n').join('');
}

// For each case directory: summary.expected.tsv from expected/summary.json,
// and postgres/ lists from rows.postgres.csv (when PostgreSQL answered).
function prepareCases(casesFile) {
  for (const d of fs.readFileSync(casesFile, 'utf8').split('\n').filter(Boolean)) {
    fs.writeFileSync(path.join(d, 'summary.expected.tsv'), summaryRows(path.join(d, 'expected', 'summary.json')));
    const rows = path.join(d, 'rows.postgres.csv');
    try {
      if (fs.existsSync(rows) && fs.statSync(rows).size > 0) lists(rows, path.join(d, 'manifest.json'), path.join(d, 'postgres'));
    } catch (e) {
      fs.writeFileSync(path.join(d, 'pg.err'), String(e && e.message || e) + '\n');
    }
  }
}

function toText(v) {
  if (v === null || v === undefined) return null;
  return typeof v === 'bigint' ? v.toString() : String(v);
}

async function duckdb(jobsFile) {
  const require = createRequire(path.join(modules, 'noop.js'));
  const { DuckDBInstance } = require('@duckdb/node-api');
  const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
  let failed = 0;
  for (const job of jobs) {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const read = f => fs.readFileSync(f, 'utf8');
      await conn.run(read(job.ddl));
      for (const [table, csv] of Object.entries(job.tables)) {
        if (!fs.existsSync(csv)) continue;
        await conn.run(`COPY "${table}" FROM '${csv.replace(/'/g, "''")}' (FORMAT csv, HEADER)`);
      }
      const reader = await conn.runAndReadAll(read(job.query));
      const columns = reader.columnNames();
      const rows = reader.getRows().map(r => Object.fromEntries(r.map((v, i) => [columns[i], toText(v)])));
      writeLists(rows, columns, JSON.parse(fs.readFileSync(job.manifest, 'utf8')), job.out);
      if (job.summary) {
        const s = await conn.runAndReadAll(read(job.summary));
        fs.writeFileSync(job.summary_out, s.getRows().map(r => r.map(tsvField).join('\t') + '\n').join(''));
      }
    } catch (e) {
      failed++;
      fs.writeFileSync(path.join(job.out + '.error'), String(e && e.message || e) + '\n');
      console.error(`duckdb: ${job.out}: ${e && e.message || e}`);
    } finally {
      conn.closeSync();
    }
  }
  process.exit(failed ? 1 : 0);
}

function lists(rowsFile, manifestFile, out) {
  const parsed = parseCsv(fs.readFileSync(rowsFile, 'utf8'));
  const header = parsed.shift() || [];
  const rows = parsed.map(r => Object.fromEntries(r.map((v, i) => [header[i], v])));
  writeLists(rows, header, JSON.parse(fs.readFileSync(manifestFile, 'utf8')), out);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'duckdb') await duckdb(args[0]);
else if (cmd === 'summary-json') process.stdout.write(summaryRows(args[0]));
else if (cmd === 'prepare') prepareCases(args[0]);
else if (cmd === 'lists') lists(args[0], args[1], args[2]);
else { console.error('usage: sqlrun.mjs duckdb JOBS.json | lists ROWS.csv MANIFEST.json OUT'); process.exit(2); }
