// Row 2: autocannon on loopback against the Bridle server and a Fastify hello-world, each in
// its own child process (bench/http-server.js), rounds interleaved so both see the same noise.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { log, makePosts, SERVER_NODE_FLAGS } from './lib.js';

const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url));

/** Starts a server child; resolves with a small handle once it listens. */
function startServer(mode) {
  const execArgv = ['--expose-gc', ...(mode === 'bridle' ? SERVER_NODE_FLAGS : [])];
  const child = fork(SERVER, [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiting = [];
  child.on('message', (m) => {
    const i = waiting.findIndex((w) => w.type === m?.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
  });
  const next = (type, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${mode} server: no ${type} message within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({ type, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = Promise.race([next('ready'), exited.then((code) => Promise.reject(new Error(`${mode} server exited early (code ${code})`)))]);
  return ready.then((r) => ({
    mode,
    port: r.port,
    key: r.key,
    stats: (gc = false) => (child.send({ type: 'stats', gc }), next('stats')),
    // BENCH_PROFILE=dir: CPU profile of one measured round, written by the child as dir/name.cpuprofile.
    profileStart: () => (process.env.BENCH_PROFILE ? (child.send({ type: 'profile-start' }), next('profile-started')) : null),
    profileStop: (name) => (process.env.BENCH_PROFILE ? (child.send({ type: 'profile-stop', name }), next('profile-stopped')) : null),
    async stop() {
      const stopped = next('stopped', 15_000).catch(() => null);
      child.send({ type: 'stop' });
      const s = await stopped;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      return s;
    },
    kill: () => child.kill('SIGKILL'),
  }));
}

/** The same varied social posts for both servers, serialised once up front. */
function bodies() {
  return makePosts(250, 7).map((params) => JSON.stringify({ type: 'social.post', params }));
}

function load(server, { durationSec, connections, payloads }) {
  const headers = { 'content-type': 'application/json', ...(server.key ? { authorization: `Bearer ${server.key}` } : {}) };
  // Static requests are serialised once by autocannon; each connection cycles through them.
  // (A per-request setupRequest costs so much client CPU that the client becomes the limit.)
  return autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    duration: durationSec,
    timeout: 10,
    requests: payloads.map((body) => ({ method: 'POST', path: '/v1/actions', headers, body })),
  });
}

function summarise(r) {
  return {
    reqPerSec: r.requests.mean,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/**
 * Runs `rounds` interleaved rounds (hello, then Bridle) of `durationSec` each after a short
 * warm-up of both, and reports each round with the server's RSS right after it.
 */
export async function runHttp({ rounds, durationSec, warmupSec, connections }) {
  const payloads = bodies();
  const servers = {};
  try {
    log('http: starting servers (child processes)');
    servers.hello = await startServer('hello');
    servers.bridle = await startServer('bridle');
    const startRss = { hello: (await servers.hello.stats()).rss, bridle: (await servers.bridle.stats()).rss };
    for (const name of ['hello', 'bridle']) {
      log(`http: warm-up ${name} (${warmupSec} s)`);
      await load(servers[name], { durationSec: warmupSec, connections, payloads });
    }
    const out = { hello: [], bridle: [], startRss, connections, durationSec };
    for (let r = 1; r <= rounds; r++) {
      for (const name of ['hello', 'bridle']) {
        log(`http: round ${r}/${rounds} ${name} (${durationSec} s, ${connections} connections)`);
        const before = await servers[name].stats();
        await servers[name].profileStart();
        const cpu0 = process.cpuUsage();
        const res = summarise(await load(servers[name], { durationSec, connections, payloads }));
        const cpu = process.cpuUsage(cpu0);
        await servers[name].profileStop(`http-${name}-round${r}`);
        const after = await servers[name].stats();
        const collected = await servers[name].stats(true);
        out[name].push({ ...res, clientCpuUtil: (cpu.user + cpu.system) / 1e6 / durationSec, rss: after.rss, peakRss: collected.peakRss, heapUsed: after.heapUsed, rssAfterGc: collected.rss, heapAfterGc: collected.heapUsed, serverCpuUtil: (after.cpuUs - before.cpuUs) / 1e6 / durationSec, batches: after.batches !== undefined ? after.batches - before.batches : undefined });
      }
    }
    return out;
  } finally {
    for (const s of Object.values(servers)) await s.stop().catch(() => s.kill());
  }
}
