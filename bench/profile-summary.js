// Summarises a .cpuprofile: top functions by self time, and by package/area.
// Usage: node bench/profile-summary.js file.cpuprofile [topN]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js file.cpuprofile [topN]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const selfById = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0;
  selfById.set(p.samples[i], (selfById.get(p.samples[i]) ?? 0) + d);
  total += d;
}
const short = (url) => url.replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, 'packages/').replace(/^file:\/\//, '');
const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
function area(n) {
  const u = n.callFrame.url;
  const f = n.callFrame.functionName;
  if (f === '(garbage collector)') return 'GC';
  if (f === '(idle)') return 'idle';
  if (f === '(program)') return 'V8/program';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1];
  const pk = /packages\/([^/]+)\/dist\/(.*?)(?:\/[^/]*)?\.js$/.exec(u);
  if (pk) return `@bridle/${pk[1]}`;
  if (u.startsWith('node:') || u === '') return 'node internals/native';
  return short(u);
}
const self = new Map();
const areas = new Map();
for (const [id, t] of selfById) {
  const n = byId.get(id);
  self.set(fnKey(n), (self.get(fnKey(n)) ?? 0) + t);
  areas.set(area(n), (areas.get(area(n)) ?? 0) + t);
}
const fmt = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join('\n');
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n\nBy area (self time):\n${fmt(areas, 15)}\n\nTop ${top} functions by self time:\n${fmt(self, top)}`);
