// `npm run bench`: the Bridle benchmarks, each next to a baseline measured in the same run.
// Prints a markdown table and rewrites the results section of docs/benchmarks.md.
//
//   node --expose-gc bench/core.js [--quick] [--only=inprocess|http] [--no-docs] [--strict]
//   BENCH_PROFILE=/tmp/prof node --expose-gc bench/core.js   # also writes CPU profiles
//
// --quick is a smoke run (seconds, not minutes) and never touches the docs.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runHttp } from './http.js';
import { runInProcess } from './inprocess.js';
import { fmtInt, fmtMs, fmtX, log, mb, median, SERVER_NODE_FLAGS, table } from './lib.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args].find((a) => a.startsWith('--only='))?.slice(7);
const writeDocs = !quick && !only && !args.has('--no-docs');

const CFG = quick
  ? { inproc: { total: 5000, concurrency: 256, maxMs: 3000, baselineMs: 1000 }, http: { rounds: 3, durationSec: 2, warmupSec: 1, connections: 64 } }
  : { inproc: { total: 100_000, concurrency: 256, maxMs: 15_000, baselineMs: 3000 }, http: { rounds: 3, durationSec: 10, warmupSec: 2, connections: 64 } };

const TARGET = { actionsPerSec: 50_000, httpRatio: 0.5, rssMb: 150, rssGrowth: 1.1, verifyPerSec: 300_000 };
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

const started = new Date();
const machine = {
  cpu: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
  mem: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  node: process.version,
  load: loadavg().map((l) => l.toFixed(2)).join(' '),
};
if (!globalThis.gc) log('note: run with node --expose-gc for steadier numbers (npm run bench does)');

const t0 = performance.now();
const inproc = !only || only === 'inprocess' ? await runInProcess(CFG.inproc) : null;
const http = !only || only === 'http' ? await runHttp(CFG.http) : null;
const totalSec = (performance.now() - t0) / 1000;

// ── results ───────────────────────────────────────────────────────────────────────────────
const rows = [];
const checks = [];
const notes = [];

if (inproc) {
  const { run, baselines, shape, verifies, verifyBaselines } = inproc;
  const rawRows = median(baselines.map((b) => b.rowsPerSec));
  const ceiling = rawRows / shape.entriesPerAction;
  const ok1 = run.perSec >= TARGET.actionsPerSec && run.errors === 0;
  checks.push(ok1);
  rows.push([
    '1. In-process `bridle.submit` (2 checks, budget, rate, durable SQLite audit)',
    `**${fmtInt(run.perSec)} actions/s**; p50 ${fmtMs(run.p50)} ms, p99 ${fmtMs(run.p99)} ms`,
    `raw better-sqlite3: ${fmtInt(rawRows)} audit rows/s (runs: ${baselines.map((b) => fmtInt(b.rowsPerSec)).join(', ')}) = ${fmtInt(ceiling)} actions/s at ${shape.entriesPerAction.toFixed(2)} audit rows/action`,
    `${fmtX(run.perSec / ceiling)} of the audit-row ceiling`,
    `≥ ${fmtInt(TARGET.actionsPerSec)} actions/s`,
    verdict(ok1),
  ]);
  notes.push(
    `Row 1: ${fmtInt(run.done)} submits (${CFG.inproc.concurrency} in flight, stopped at ${fmtInt(CFG.inproc.total)} or ${CFG.inproc.maxMs / 1000} s) in ${(run.elapsedMs / 1000).toFixed(1)} s; ` +
      `outcomes ${Object.entries(run.status).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')}; errors ${run.errors}${run.firstError ? ` (first: ${run.firstError})` : ''}; ` +
      `${fmtInt(run.batches)} group commits (${(run.done / Math.max(run.batches, 1)).toFixed(0)} actions/commit); ` +
      `${fmtInt(run.cpuUsPerAction)} µs CPU/action (raw insert: ${baselines.map((b) => b.cpuUsPerRow.toFixed(1)).join(' / ')} µs CPU/row); ` +
      `audit row ≈ ${fmtInt(inproc.sample.width)} bytes; RSS ${fmtInt(inproc.rssMb)} MB.`,
  );
  const vRate = median(verifies.map((v) => v.perSec));
  const vBase = median(verifyBaselines.map((v) => v.perSec));
  const vOk = verifies.every((v) => v.ok);
  const ok3 = vOk && vRate >= TARGET.verifyPerSec;
  checks.push(ok3);
  rows.push([
    '3. Audit verify (`verifyStore` over the row-1 store)',
    `**${fmtInt(vRate)} entries/s** median of ${verifies.length} (${fmtInt(verifies[0].entries)} entries, ${vOk ? 'ok' : 'BROKEN'}; passes: ${verifies.map((v) => fmtInt(v.perSec)).join(', ')})`,
    `raw scan + sha256 + link check: ${fmtInt(vBase)} entries/s (passes: ${verifyBaselines.map((v) => fmtInt(v.perSec)).join(', ')})`,
    fmtX(vRate / vBase),
    `≥ ${fmtInt(TARGET.verifyPerSec)} entries/s`,
    verdict(ok3),
  ]);
}

if (http) {
  const b = http.bridle;
  const h = http.hello;
  const bMed = median(b.map((r) => r.reqPerSec));
  const hMed = median(h.map((r) => r.reqPerSec));
  const ratio = bMed / hMed;
  const failures = b.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  const ok2 = ratio >= TARGET.httpRatio && failures === 0;
  checks.push(ok2);
  rows.push([
    `2. HTTP \`POST /v1/actions\` (autocannon, ${http.connections} connections, ${b.length} × ${http.durationSec} s)`,
    `**${fmtInt(bMed)} req/s** median; p50 ${fmtMs(median(b.map((r) => r.p50)))} ms, p99 ${fmtMs(median(b.map((r) => r.p99)))} ms`,
    `Fastify hello-world POST (same JSON): ${fmtInt(hMed)} req/s; p50 ${fmtMs(median(h.map((r) => r.p50)))} ms, p99 ${fmtMs(median(h.map((r) => r.p99)))} ms`,
    fmtX(ratio),
    `≥ ${TARGET.httpRatio}× hello-world`,
    verdict(ok2),
  ]);
  const rss = b.map((r) => mb(r.rss));
  // "Stays under" is judged on the peak (VmHWM over warm-up and every round), not only on the
  // samples taken between rounds.
  const peak = mb(b[b.length - 1].peakRss);
  const okSize = Math.max(peak, ...rss) < TARGET.rssMb;
  const okFlat = rss[rss.length - 1] <= rss[0] * TARGET.rssGrowth;
  checks.push(okSize, okFlat);
  rows.push([
    '2. HTTP server RSS after each round and peak (child process)',
    `**${rss.map((x) => fmtInt(x)).join(' → ')} MB**, peak ${fmtInt(peak)} MB (start ${fmtInt(mb(http.startRss.bridle))} MB; V8 flags ${SERVER_NODE_FLAGS.join(' ')})`,
    `hello-world: ${h.map((r) => fmtInt(mb(r.rss))).join(' → ')} MB`,
    '',
    `< ${TARGET.rssMb} MB; not growing (last ≤ first × ${TARGET.rssGrowth})`,
    `${verdict(okSize)} (size); ${verdict(okFlat)} (growth)`,
  ]);
  notes.push(
    'Row 2 per round (req/s; p50/p99 ms; server CPU; load-generator CPU; RSS): ' +
      b
        .map(
          (r, i) =>
            `round ${i + 1}: Bridle ${fmtInt(r.reqPerSec)} (${fmtMs(r.p50)}/${fmtMs(r.p99)}; ${Math.round(r.serverCpuUtil * 100)}%; ${Math.round(r.clientCpuUtil * 100)}%; ${fmtInt(mb(r.rss))} MB) vs hello ${fmtInt(h[i].reqPerSec)} (${fmtMs(h[i].p50)}/${fmtMs(h[i].p99)}; ${Math.round(h[i].serverCpuUtil * 100)}%; ${Math.round(h[i].clientCpuUtil * 100)}%; ${fmtInt(mb(h[i].rss))} MB) = ${fmtX(r.reqPerSec / h[i].reqPerSec)}`,
        )
        .join('; ') +
      `. Bridle non-2xx/errors/timeouts: ${failures}; group commits per round: ${b.map((r) => fmtInt(r.batches)).join(', ')}; ` +
      `Bridle heap used after each round ${b.map((r) => fmtInt(mb(r.heapUsed))).join(' → ')} MB, and after a forced GC ${b.map((r) => fmtInt(mb(r.heapAfterGc))).join(' → ')} MB (RSS then ${b.map((r) => fmtInt(mb(r.rssAfterGc))).join(' → ')} MB).`,
  );
}

const ordered = [...rows].sort((a, b) => parseInt(a[0], 10) - parseInt(b[0], 10));
const summary = table(['Row', 'Bridle', 'Baseline (same run)', 'Ratio', 'Target', 'Result'], ordered);
const passed = checks.filter(Boolean).length;
const header =
  `Run ${started.toISOString().replace('T', ' ').slice(0, 16)} UTC · ${machine.cpu} · ${machine.mem} · Node ${machine.node} · ` +
  `load average at start ${machine.load} · ${totalSec.toFixed(0)} s${quick ? ' · QUICK smoke run (not comparable)' : ''}`;
const report = `${header}\n\n${summary}\n\n${passed}/${checks.length} targets met.\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;

console.log(`\n${report}`);

if (writeDocs) {
  const docPath = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  const START = '<!-- bench:results:start -->';
  const END = '<!-- bench:results:end -->';
  const block = `${START}\n${report}${END}`;
  let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  if (doc.includes(START) && doc.includes(END)) doc = doc.slice(0, doc.indexOf(START)) + block + doc.slice(doc.indexOf(END) + END.length);
  else doc = `${doc.trimEnd()}${doc ? '\n\n' : ''}## Latest results\n\n${block}\n`;
  writeFileSync(docPath, doc);
  log(`results written to ${docPath}`);
}

if (args.has('--strict') && passed < checks.length) process.exitCode = 1;
