// Reads the Arrow files `cohort import` wrote with apache-arrow and checks
// every value against the CSV they came from.
// usage: node read_ours.mjs ARROW_DIR CSV_DIR
import { readFileSync } from 'node:fs';
import { loadArrow, readCsv, day, normSet } from './common.mjs';

const A = await loadArrow();
const [arrowDir, csvDir] = process.argv.slice(2);
let failures = 0;
const fail = (msg) => { if (failures++ < 20) console.error('FAIL ' + msg); };

function format(v, type) {
  if (v === null || v === undefined) return '';
  const id = A.DataType.isDictionary(type) ? type.dictionary.typeId : type.typeId;
  if (id === A.Type.Date) return day(Number(v));
  if (id === A.Type.Timestamp) return String(Number(v));
  if (id === A.Type.List) return [...v.toArray()].join(';');
  return String(v);
}
function canon(cell, type) {
  const id = A.DataType.isDictionary(type) ? type.dictionary.typeId : type.typeId;
  if (cell === '') return '';
  if (id === A.Type.Timestamp) return String(Date.parse(cell));
  if (id === A.Type.List) return normSet(cell).join(';');
  return cell;
}

const patients = A.tableFromIPC(readFileSync(`${arrowDir}/patients.arrow`));
const pcsv = readCsv(`${csvDir}/patients.csv`);
if (patients.numRows !== pcsv.rows.length) fail(`patients: ${patients.numRows} rows, CSV has ${pcsv.rows.length}`);
const names = patients.schema.fields.map((f) => f.name);
if (names.join(',') !== pcsv.header.join(',')) fail(`patients: field names ${names} differ from the CSV header`);
for (const f of patients.schema.fields) {
  const isString = A.DataType.isDictionary(f.type) || A.DataType.isUtf8(f.type);
  if (isString && f.name !== 'id' && !A.DataType.isDictionary(f.type)) fail(`string column ${f.name} is not dictionary-encoded`);
}
const cols = pcsv.header.map((h) => patients.getChild(h));
for (let r = 0; r < pcsv.rows.length; ++r) {
  for (let c = 0; c < cols.length; ++c) {
    const type = patients.schema.fields[c].type;
    const got = format(cols[c].get(r), type);
    const want = canon(pcsv.rows[r][c], type);
    if (got !== want) fail(`patients row ${r + 1} column ${pcsv.header[c]}: differs`);
  }
}

const events = A.tableFromIPC(readFileSync(`${arrowDir}/events.arrow`));
const ecsv = readCsv(`${csvDir}/events.csv`);
const known = new Set(pcsv.rows.map((r) => r[0]));
const want = ecsv.rows.filter((r) => known.has(r[0]))
  .map((r) => r.map((cell, c) => canon(cell, events.schema.fields[c].type)).join(',')).sort();
const ecols = ecsv.header.map((h) => events.getChild(h));
if (ecols.some((c) => !c)) fail('events: a CSV column is missing');
const got = [];
for (let r = 0; r < events.numRows; ++r) got.push(ecols.map((c, i) => format(c.get(r), events.schema.fields[i].type)).join(','));
// Grouped in patients' row order: parent row numbers never decrease.
const order = new Map(pcsv.rows.map((r, i) => [r[0], i]));
for (let r = 1; r < got.length; ++r)
  if (order.get(got[r].split(',')[0]) < order.get(got[r - 1].split(',')[0])) { fail('events are not grouped in patient order'); break; }
got.sort();
if (got.length !== want.length) fail(`events: ${got.length} rows, CSV has ${want.length} matched rows`);
for (let i = 0; i < Math.min(got.length, want.length); ++i) if (got[i] !== want[i]) { fail(`events differ (sorted row ${i + 1})`); break; }
if (failures) { console.error(`${failures} failures`); process.exit(1); }
console.log(`ok: ${patients.numRows} patients, ${events.numRows} events read by apache-arrow match the CSV`);
