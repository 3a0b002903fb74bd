// Loads a `cohort report` HTML page in headless Chromium (Debian `chromium`)
// through the DevTools protocol, fails on any console error, uncaught
// exception or network request other than the page itself, takes a
// screenshot and a PDF (printable), and compares every number the page shows
// (elements with data-k) with the JSON report of the same run.
//
// usage: node --experimental-websocket browser_test.mjs REPORT.html REPORT.json OUT.png
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [htmlPath, jsonPath, pngPath] = process.argv.slice(2);
if (!htmlPath || !jsonPath || !pngPath) {
  console.error('usage: browser_test.mjs REPORT.html REPORT.json OUT.png');
  process.exit(2);
}
const fail = (msg) => {
  console.error(`FAIL: ${msg}`);
  cleanup();
  process.exit(1);
};
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cohort-chromium-'));
const chrome = spawn(process.env.CHROMIUM || 'chromium', [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'ignore'] });
function cleanup() {
  try { chrome.kill('SIGKILL'); } catch {}
  try { fs.rmSync(profile, { recursive: true, force: true }); } catch {}
}
const timer = setTimeout(() => fail('timed out after 90 s'), 90000);

async function devtoolsPort() {
  const file = path.join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 300; i++) {
    if (fs.existsSync(file)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      if (lines[0]) return Number(lines[0]);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail('chromium did not start (no DevToolsActivePort)');
}

const port = await devtoolsPort();
let targets;
for (let i = 0; i < 50 && !targets?.length; i++) {
  try {
    targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()).filter((t) => t.type === 'page');
  } catch {}
  if (!targets?.length) await new Promise((r) => setTimeout(r, 100));
}
if (!targets?.length) fail('no page target');
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
let nextId = 1;
const pending = new Map();
const problems = [];
const requests = [];
let loaded;
const loadedPromise = new Promise((r) => { loaded = r; });
ws.onmessage = (ev) => {
  const m = JSON.parse(ev.data);
  if (m.id && pending.has(m.id)) {
    const { resolve, reject } = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) reject(new Error(JSON.stringify(m.error)));
    else resolve(m.result);
    return;
  }
  switch (m.method) {
    case 'Network.requestWillBeSent': requests.push(m.params.request.url); break;
    case 'Runtime.consoleAPICalled':
      if (m.params.type === 'error' || m.params.type === 'assert')
        problems.push(`console.${m.params.type}: ${JSON.stringify(m.params.args.map((a) => a.value ?? a.description))}`);
      break;
    case 'Runtime.exceptionThrown': problems.push(`exception: ${m.params.exceptionDetails.text}`); break;
    case 'Log.entryAdded':
      if (m.params.entry.level === 'error') problems.push(`log: ${m.params.entry.text}`);
      break;
    case 'Page.loadEventFired': loaded(); break;
  }
};
const send = (method, params = {}) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, method, params }));
});

await send('Page.enable');
await send('Runtime.enable');
await send('Log.enable');
await send('Network.enable');
await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1800, deviceScaleFactor: 1, mobile: false });
const url = 'file://' + path.resolve(htmlPath);
await send('Page.navigate', { url });
await loadedPromise;
await new Promise((r) => setTimeout(r, 500));

const others = requests.filter((u) => u !== url);
if (others.length) fail(`network requests besides the page: ${others.join(', ')}`);
if (problems.length) fail(`console errors:\n  ${problems.join('\n  ')}`);

const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false });
fs.writeFileSync(pngPath, Buffer.from(shot.data, 'base64'));
const pdf = await send('Page.printToPDF', { printBackground: true });
const pdfBytes = Buffer.from(pdf.data, 'base64');
if (pdfBytes.length < 1000 || pdfBytes.subarray(0, 4).toString() !== '%PDF') fail('printing to PDF failed');

const dom = await send('Runtime.evaluate', {
  expression: `JSON.stringify({
    cells: [...document.querySelectorAll('[data-k]')].map((e) => [e.dataset.k, e.textContent.trim()]),
    scripts: document.scripts.length,
    svgs: document.querySelectorAll('svg').length,
    tables: document.querySelectorAll('table').length,
    svgWithoutTable: [...document.querySelectorAll('figure')].filter((f) => !f.parentElement.querySelector('table')).length,
    title: document.title })`,
  returnByValue: true,
});
const page = JSON.parse(dom.result.value);
const cells = new Map(page.cells);
if (page.scripts !== 0) fail(`the page has ${page.scripts} script elements`);
if (page.svgs === 0) fail('no chart rendered');
if (page.svgWithoutTable !== 0) fail(`${page.svgWithoutTable} charts without a table beside them`);

const report = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
const show = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
let compared = 0;
const mismatches = [];
const expect = (key, value) => {
  if (!cells.has(key)) { mismatches.push(`missing cell ${key}`); return; }
  compared++;
  if (cells.get(key) !== show(value)) mismatches.push(`${key}: page ${cells.get(key)}, JSON ${show(value)}`);
};
expect('records', report.records);
expect('multi_contact', report.contact_overlap.patients);
for (const o of report.overlap) expect(`overlap|${o.a}|${o.b}`, o.both);
for (const s of report.segments)
  s.steps.forEach((st, k) => {
    expect(`step|${s.name}|${k}|removed`, st.removed);
    expect(`step|${s.name}|${k}|remaining`, st.remaining);
    if (st.unknown !== undefined) expect(`step|${s.name}|${k}|unknown`, st.unknown);
  });
for (const c of report.consent) for (const f of ['yes', 'no', 'missing']) expect(`consent|${c.channel}|${f}`, c[f]);
for (const e of report.equity)
  for (const g of e.groups) {
    const key = `eq|${e.segment}|${e.step}|${e.by}|${g.group}`;
    if (g.entering === 0) continue;  // groups nobody entered are not listed
    expect(`${key}|entering`, g.entering);
    expect(`${key}|removed`, g.removed);
  }
for (const c of report.campaigns) for (const t of c.taken) expect(`take|${c.name}|${t.by}|${t.from}`, t.records);
const flagged = report.equity.reduce((n, e) => n + e.groups.filter((g) => g.flagged && g.entering !== 0).length, 0);
const shownFlags = Number(cells.get('flagged_total')?.match(/^\d+/)?.[0]);
if (shownFlags !== flagged) mismatches.push(`flagged groups: page ${shownFlags}, JSON ${flagged}`);
if (mismatches.length) fail(`${mismatches.length} numbers differ:\n  ${mismatches.slice(0, 20).join('\n  ')}`);
if (compared < 10) fail(`only ${compared} numbers compared`);
console.log(`ok: ${compared} numbers match the JSON report; no console error, no network request; screenshot ${pngPath}`);
clearTimeout(timer);
ws.close();
cleanup();
process.exit(0);
