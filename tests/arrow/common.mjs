// Shared helpers of the apache-arrow (npm) round-trip tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/// The apache-arrow package from $COHORT_NODE_MODULES.
export async function loadArrow() {
  const modules = process.env.COHORT_NODE_MODULES || '/work/main/build-test/tools/node_modules';
  const require = createRequire(path.join(modules, 'x.js'));
  return import(require.resolve('apache-arrow'));
}

/// A CSV file without quoted fields (the example data has none): header + rows.
export function readCsv(file) {
  const text = readFileSync(file, 'utf8');
  if (text.includes('"')) throw new Error(`${file}: quoted CSV is not supported by this test`);
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export const day = (ms) => new Date(ms).toISOString().slice(0, 10);
export const normSet = (cell) => [...new Set(cell.split(';').filter((s) => s.length))].sort();
