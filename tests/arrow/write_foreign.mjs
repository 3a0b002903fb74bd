// Writes the example CSV data as Arrow files the way another tool would:
// other integer widths, date64, millisecond/nanosecond timestamps, plain and
// dictionary strings, unsorted sets, events either as a separate table in
// reverse order or inline as list<struct>.
// usage: node write_foreign.mjs CSV_DIR OUT_DIR separate|inline
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadArrow, readCsv } from './common.mjs';

const A = await loadArrow();
const [csvDir, outDir, variant] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const p = readCsv(`${csvDir}/patients.csv`);
const e = readCsv(`${csvDir}/events.csv`);
const col = (t, name) => t.rows.map((r) => r[t.header.indexOf(name)]);
const orNull = (v) => (v === '' ? null : v);
const dateMs = (v) => (v === '' ? null : Date.parse(v + 'T00:00:00Z'));
const bool = (v) => (v === '' ? null : v === 'true');
const dictUtf8 = (idx) => new A.Dictionary(new A.Utf8(), idx);

const v = {};
for (const h of p.header) {
  const cells = col(p, h);
  if (h === 'id' || h === 'language' || h === 'state' || h === 'zip') v[h] = A.vectorFromArray(cells.map(orNull), new A.Utf8());
  else if (h === 'birth_date' || h === 'next_appointment' || h === 'discharged_on') v[h] = A.vectorFromArray(cells.map(dateMs), new A.DateDay());
  else if (h === 'last_visit' || h === 'care_gap_due') v[h] = A.vectorFromArray(cells.map(dateMs), new A.DateMillisecond());
  else if (h === 'telehealth_visits') v[h] = A.vectorFromArray(cells.map(Number), new A.Int32());
  else if (h === 'in_person_visits') v[h] = A.vectorFromArray(cells.map((c) => BigInt(c)), new A.Int64());
  else if (h === 'no_show_count') v[h] = A.vectorFromArray(cells.map(Number), new A.Uint16());
  else if (h === 'portal_active' || h.startsWith('consent.')) v[h] = A.vectorFromArray(cells.map(bool), new A.Bool());
  else if (h === 'conditions') v[h] = A.vectorFromArray(cells.map((c) => c.split(';').filter((s) => s).reverse()), new A.List(new A.Field('item', new A.Utf8(), true)));
  else if (h === 'sex') v[h] = A.vectorFromArray(cells, new A.Utf8());  // an enum as plain strings
  else v[h] = A.vectorFromArray(cells.map(orNull), dictUtf8(h === 'service_line' ? new A.Int8() : new A.Int32()));
}
const kinds = col(e, 'kind'), ats = col(e, 'at'), chans = col(e, 'channel'), owners = col(e, 'patient_id');
if (variant === 'inline') {
  const byPatient = new Map();
  owners.forEach((o, i) => { if (!byPatient.has(o)) byPatient.set(o, []); byPatient.get(o).push({ kind: kinds[i], at: Date.parse(ats[i]), channel: orNull(chans[i]) }); });
  const item = new A.Struct([new A.Field('kind', dictUtf8(new A.Int32()), false), new A.Field('at', new A.TimestampNanosecond('UTC'), false), new A.Field('channel', new A.Utf8(), true)]);
  v.events = A.vectorFromArray(col(p, 'id').map((id) => byPatient.get(id) || []), new A.List(new A.Field('item', item, false)));
  writeFileSync(`${outDir}/patients.arrow`, A.tableToIPC(new A.Table(v), 'file'));
} else {
  writeFileSync(`${outDir}/patients.arrow`, A.tableToIPC(new A.Table(v), 'file'));
  const rev = (a) => [...a].reverse();
  const ev = new A.Table({
    patient_id: A.vectorFromArray(rev(owners), dictUtf8(new A.Int32())),
    kind: A.vectorFromArray(rev(kinds), dictUtf8(new A.Int8())),
    at: A.vectorFromArray(rev(ats).map((s) => Date.parse(s)), new A.TimestampMillisecond('UTC')),
    channel: A.vectorFromArray(rev(chans).map(orNull), new A.Utf8()),
  });
  writeFileSync(`${outDir}/events.arrow`, A.tableToIPC(ev, 'file'));
}
console.log(`wrote ${variant} Arrow files to ${outDir}`);
