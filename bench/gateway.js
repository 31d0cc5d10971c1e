// `npm run bench:gateway`: the LLM gateway door against Node's own ceiling and Portkey's gateway,
// all in one run against the same instant local upstream on loopback.
//
//   node --expose-gc bench/gateway.js [--quick] [--no-docs] [--no-portkey]
//
// Rows: direct (the upstream itself), a minimal node:http pass-through proxy (what Node can do
// here), Bridle (budget, an input and an output check, hash-chained audit, durable SQLite), and
// Portkey's open-source gateway (installed into bench/portkey on first use; not a dependency).
// Measures requests/s at 32 connections (autocannon, rounds interleaved so all see the same
// noise), added p50/p99 latency of sequential calls, added time to first byte of streams, and
// Bridle's resident memory after each of five rounds.
import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fmtInt, fmtMs, fmtX, log, mb, median, percentile, SERVER_NODE_FLAGS, table } from './lib.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const writeDocs = !quick && !args.has('--no-docs');
const withPortkey = !args.has('--no-portkey');
const CFG = quick ? { rounds: 2, durationSec: 2, sequential: 200, streams: 100 } : { rounds: 5, durationSec: 8, sequential: 2000, streams: 500 };
const CONNECTIONS = 32;
const TARGET = { passRatio: 0.8, portkeyRatio: 4, addedP50Ms: 0.5, addedTtfbMs: 2, rssMb: 150 };
const CHILD = fileURLToPath(new URL('./gateway-server.js', import.meta.url));
const PORTKEY_DIR = fileURLToPath(new URL('./portkey/', import.meta.url));

function forkChild(...argv) {
  // Bridle runs with the heap settings it ships with; the upstream and pass-through keep Node's.
  const execArgv = ['--expose-gc', ...(argv[0] === 'bridle' ? SERVER_NODE_FLAGS : [])];
  const child = fork(CHILD, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiting = [];
  child.on('message', (m) => {
    const i = waiting.findIndex((w) => w.type === m?.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
  });
  const next = (type) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${argv[0]}: no ${type} within 30 s`)), 30_000);
    waiting.push({ type, resolve: (m) => (clearTimeout(t), resolve(m)) });
  });
  return next('ready').then((r) => ({
    port: r.port,
    key: r.key,
    rss: async () => (child.send({ type: 'stats', gc: true }), (await next('stats')).rss),
    peakRss: async () => (child.send({ type: 'stats' }), (await next('stats')).peakRss),
    stop: async () => (child.send({ type: 'stop' }), await next('stopped').catch(() => null), child.kill()),
  }));
}

/** Portkey's gateway in its own process; installed into bench/portkey the first time. */
async function startPortkey(upstreamPort) {
  const entry = `${PORTKEY_DIR}node_modules/@portkey-ai/gateway/build/start-server.js`;
  if (!existsSync(entry)) {
    log('installing @portkey-ai/gateway into bench/portkey (first run only)…');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', PORTKEY_DIR], { stdio: 'inherit' });
  }
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('Portkey did not start within 30 s')), 30_000);
    child.stdout.on('data', (d) => String(d).includes('Ready') && (clearTimeout(t), resolve()));
    child.once('exit', (c) => reject(new Error(`Portkey exited (${c})`)));
  });
  child.stdout.resume();
  const headers = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `http://127.0.0.1:${upstreamPort}/v1` };
  const rss = async () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  return { port, key: 'sk-bench', headers, rss, stop: async () => child.kill() };
}

const BODY = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'system', content: 'You write short, useful posts.' }, { role: 'user', content: 'One line on consistency for founders.' }] });
const STREAM_BODY = JSON.stringify({ ...JSON.parse(BODY), stream: true });
const headersOf = (t) => ({ 'content-type': 'application/json', authorization: `Bearer ${t.key ?? 'sk-bench'}`, ...(t.headers ?? {}) });

async function rps(t) {
  const r = await autocannon({ url: `http://127.0.0.1:${t.port}/v1/chat/completions`, method: 'POST', connections: CONNECTIONS, duration: CFG.durationSec, timeout: 10, headers: headersOf(t), body: BODY });
  return { rps: r.requests.mean, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/** One request at a time on a kept-alive socket: ms to the full response, or to its first body byte. */
async function sequential(t, n, body, firstByte) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  let failures = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const ok = await new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: t.port, path: '/v1/chat/completions', method: 'POST', headers: headersOf(t), agent }, (res) => {
        let first = true;
        res.on('data', () => first && firstByte && ((first = false), times.push(performance.now() - start)));
        res.on('end', () => (firstByte || times.push(performance.now() - start), resolve(res.statusCode === 200)));
      });
      req.on('error', () => resolve(false));
      req.end(body);
    });
    if (!ok) failures++;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), failures };
}

const started = new Date();
const upstream = await forkChild('upstream');
const targets = { direct: { port: upstream.port }, passthrough: await forkChild('passthrough', String(upstream.port)), bridle: await forkChild('bridle', String(upstream.port)) };
if (withPortkey) targets.portkey = await startPortkey(upstream.port);
const names = Object.keys(targets);
log(`targets: ${names.join(', ')}; ${CFG.rounds} rounds of ${CFG.durationSec} s at ${CONNECTIONS} connections`);

// Warm-up: JIT, connection pools, SQLite pages.
for (const n of names) await sequential(targets[n], 200, BODY, false);

const rounds = Object.fromEntries(names.map((n) => [n, []]));
const bridleRss = [];
for (let r = 0; r < CFG.rounds; r++) {
  for (const n of names) {
    const res = await rps(targets[n]);
    rounds[n].push(res);
    if (res.non2xx || res.errors) log(`  ${n}: ${res.non2xx} non-2xx, ${res.errors} errors`);
  }
  bridleRss.push(mb(await targets.bridle.rss()));
  log(`round ${r + 1}: ${names.map((n) => `${n} ${fmtInt(rounds[n][r].rps)}/s`).join(', ')}; Bridle RSS ${bridleRss[r].toFixed(0)} MB`);
}
const seq = {};
const ttfb = {};
for (const n of names) {
  seq[n] = await sequential(targets[n], CFG.sequential, BODY, false);
  ttfb[n] = await sequential(targets[n], CFG.streams, STREAM_BODY, true);
  log(`${n}: sequential p50 ${fmtMs(seq[n].p50)} ms, stream first byte p50 ${fmtMs(ttfb[n].p50)} ms`);
}
const portkeyRss = targets.portkey ? mb(await targets.portkey.rss()) : NaN;
// Peak over the whole run (warm-up, rounds, sequential calls, streams), not only the samples.
const bridlePeak = mb(await targets.bridle.peakRss());
for (const n of names) if (n !== 'direct') await targets[n].stop();
await upstream.stop();

const med = (n) => median(rounds[n].map((x) => x.rps));
const added = (n, m, p) => m[n][p] - m.direct[p];
const failedOf = (n) => rounds[n].reduce((a, x) => a + x.non2xx + x.errors, 0) + seq[n].failures + ttfb[n].failures;
const verdict = (ok) => (failedOf('bridle') > 0 ? 'MISS (Bridle answered errors)' : ok ? 'PASS' : 'MISS');
const growth = bridleRss[bridleRss.length - 1] / bridleRss[1 < bridleRss.length ? 1 : 0];
const rows = names.map((n) => [
  n,
  fmtInt(med(n)),
  n === 'direct' ? '–' : fmtX(med(n) / med('passthrough')),
  n === 'direct' ? '–' : `+${fmtMs(added(n, seq, 'p50'))} / +${fmtMs(added(n, seq, 'p99'))}`,
  n === 'direct' ? fmtMs(ttfb.direct.p50) : `+${fmtMs(added(n, ttfb, 'p50'))}`,
  n === 'bridle' ? `${Math.max(...bridleRss).toFixed(0)} (peak ${bridlePeak.toFixed(0)})` : n === 'portkey' ? portkeyRss.toFixed(0) : '–',
  // A target that answered errors is fast for the wrong reason: its row says so.
  fmtInt(failedOf(n)),
]);
const checks = [
  [`Bridle ≥ ${TARGET.passRatio}× pass-through requests/s`, fmtX(med('bridle') / med('passthrough')), verdict(med('bridle') / med('passthrough') >= TARGET.passRatio)],
  ...(targets.portkey ? [[`Bridle ≥ ${TARGET.portkeyRatio}× Portkey requests/s`, fmtX(med('bridle') / med('portkey')), verdict(med('bridle') / med('portkey') >= TARGET.portkeyRatio)]] : []),
  [`added p50 ≤ ${TARGET.addedP50Ms} ms (sequential)`, `${fmtMs(added('bridle', seq, 'p50'))} ms`, verdict(added('bridle', seq, 'p50') <= TARGET.addedP50Ms)],
  [`added time to first byte ≤ ${TARGET.addedTtfbMs} ms`, `${fmtMs(added('bridle', ttfb, 'p50'))} ms`, verdict(added('bridle', ttfb, 'p50') <= TARGET.addedTtfbMs)],
  [`RSS ≤ ${TARGET.rssMb} MB, no growth over ${CFG.rounds} rounds`, `${bridleRss.map((x) => x.toFixed(0)).join(' → ')} MB, peak ${bridlePeak.toFixed(0)} MB`, verdict(Math.max(bridlePeak, ...bridleRss) <= TARGET.rssMb && growth <= 1.1)],
];
const out = [
  `Run ${started.toISOString()} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; Bridle runs with ${SERVER_NODE_FLAGS.join(' ')}.`,
  '',
  table(['target', 'req/s (median of rounds)', '× pass-through', 'added latency p50 / p99 (ms)', 'stream first byte p50 (ms; added)', 'RSS (MB)', 'failed requests'], rows),
  '',
  table(['target', 'measured', 'verdict'], checks),
].join('\n');
console.log(`\n${out}\n`);

if (writeDocs) {
  const file = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  const doc = readFileSync(file, 'utf8');
  const block = `<!-- gateway:start -->\nCommand: \`npm run bench:gateway\`\n\n${out}\n<!-- gateway:end -->`;
  const next = doc.includes('<!-- gateway:start -->') ? doc.replace(/<!-- gateway:start -->[\s\S]*<!-- gateway:end -->/, block) : `${doc.trimEnd()}\n\n## LLM gateway\n\n${block}\n`;
  writeFileSync(file, next);
  log('docs/benchmarks.md updated');
}
process.exit(0);
