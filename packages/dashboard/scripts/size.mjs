#!/usr/bin/env node
// Budget check for the production bundle: the gzipped size of every dist/assets/*.js together
// must stay under 300 KB. Exits 1 over budget or when dist is missing.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 300 * 1024;
const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');

let files;
try {
  files = readdirSync(assets).filter((f) => f.endsWith('.js')).sort();
} catch {
  console.error(`No ${assets}: build first (npm run build -w @bridle/dashboard)`);
  process.exit(1);
}
let total = 0;
for (const f of files) {
  const raw = readFileSync(join(assets, f));
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${f.padEnd(40)} ${(raw.length / 1024).toFixed(1).padStart(8)} KB raw ${(gz / 1024).toFixed(1).padStart(8)} KB gzip`);
}
const over = total > BUDGET;
console.log(`total JavaScript, gzipped: ${(total / 1024).toFixed(1)} KB of ${BUDGET / 1024} KB budget${over ? ' — OVER BUDGET' : ''}`);
process.exit(over ? 1 : 0);
