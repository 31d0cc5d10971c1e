// Child process for the HTTP row, started by bench/http.js with child_process.fork.
//   node bench/http-server.js bridle   the real Bridle server (temp data dir, durable SQLite)
//   node bench/http-server.js hello    Fastify hello-world: POST /v1/actions parses the JSON body
// Speaks IPC: sends { type: 'ready', port, key } once listening; answers { type: 'stats' } with
// RSS and heap ({ type: 'stats', gc: true } collects garbage first); on { type: 'stop' } closes everything, removes its data dir and exits.
import { readFileSync, rmSync } from 'node:fs';
import Fastify from 'fastify';

const mode = process.argv[2];
if (mode !== 'bridle' && mode !== 'hello') {
  console.error('usage: node bench/http-server.js bridle|hello (started by bench/http.js)');
  process.exit(2);
}
if (!process.send) {
  console.error('bench/http-server.js must be started with child_process.fork');
  process.exit(2);
}

let app;
let close = async () => {};
let extra = () => ({});
let key = null;

if (mode === 'hello') {
  app = Fastify({ logger: false });
  // Same work a JSON API does at minimum: parse the body, look at it, answer JSON.
  app.post('/v1/actions', async (req) => {
    const b = req.body;
    return { ok: true, type: b.type, length: typeof b.params?.text === 'string' ? b.params.text.length : 0 };
  });
  close = () => app.close();
} else {
  const [{ Bridle, openStore, parsePolicy, createApiKey }, { buildServer }, { tempDir }, { POLICY_YAML }] = await Promise.all([
    import('../packages/core/dist/index.js'),
    import('../packages/server/dist/index.js'),
    import('./inprocess.js'),
    import('./lib.js'),
  ]);
  const dataDir = tempDir('http');
  const store = await openStore({ dataDir, exclusive: true });
  const bridle = await Bridle.open({ store, policy: parsePolicy(POLICY_YAML) });
  ({ key } = await createApiKey(bridle, 'bench-bot', { actor: { type: 'operator', id: 'bench' } }));
  app = buildServer({ bridle, adminToken: 'x'.repeat(20) });
  extra = () => ({ batches: bridle.batches });
  close = async () => {
    await app.close();
    await bridle.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

await app.listen({ port: 0, host: '127.0.0.1' });
const port = app.server.address().port;

/** Peak resident memory since start (VmHWM), so a spike between samples is not missed. */
function peakRss() {
  const kb = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb === undefined ? NaN : Number(kb) * 1024;
}

function stats() {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rss: m.rss, peakRss: peakRss(), heapUsed: m.heapUsed, external: m.external, cpuUs: cpu.user + cpu.system, ...extra() };
}

// BENCH_PROFILE=dir: the parent asks for a CPU profile of each measured round, written here.
let session = null;
async function profileStart() {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
async function profileStop(name) {
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  session = null;
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(process.env.BENCH_PROFILE, { recursive: true });
  writeFileSync(`${process.env.BENCH_PROFILE}/${name}.cpuprofile`, JSON.stringify(profile));
}

process.on('message', async (msg) => {
  if (msg?.type === 'profile-start') {
    await profileStart();
    process.send({ type: 'profile-started' });
  } else if (msg?.type === 'profile-stop') {
    await profileStop(msg.name);
    process.send({ type: 'profile-stopped' });
  } else if (msg?.type === 'stats') {
    // With gc: what is still retained after a full collection, to tell a leak from GC headroom.
    if (msg.gc && globalThis.gc) globalThis.gc();
    process.send({ type: 'stats', ...stats() });
  }
  else if (msg?.type === 'stop') {
    try {
      await close();
    } finally {
      process.send({ type: 'stopped', ...stats() }, () => process.exit(0));
    }
  }
});
// The parent going away must not leave a server (and its temp data dir) behind.
process.on('disconnect', () => {
  void close().finally(() => process.exit(0));
});

process.send({ type: 'ready', port, key, ...stats() });
