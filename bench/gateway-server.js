// Child process for `npm run bench:gateway`, started by bench/gateway.js with child_process.fork.
//   node bench/gateway-server.js upstream            an instant OpenAI-compatible model server
//   node bench/gateway-server.js passthrough PORT    a minimal node:http proxy to it (Node's ceiling)
//   node bench/gateway-server.js bridle PORT         Bridle with budget, checks and audit on
// Speaks IPC: { type: 'ready', port, key } once listening; { type: 'stats' } → RSS; { type: 'stop' }.
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';

const [mode, upstreamPort] = process.argv.slice(2);
if (!process.send || !['upstream', 'passthrough', 'bridle'].includes(mode)) {
  console.error('usage: started by bench/gateway.js (upstream | passthrough PORT | bridle PORT)');
  process.exit(2);
}

/** The gateway policy measured: an agent budget, an input and an output check, the audit chain. */
const GATEWAY_POLICY = (port) => `
agents:
  bench-bot: { mode: auto, budget: { daily_usd: 1000000 } }
actions:
  llm.chat:
    modes: [authorize]
    checks:
      - banned_phrases: { list: [guaranteed returns, risk-free] }
gateway:
  providers:
    local: { kind: openai, base_url: "http://127.0.0.1:${port}/v1" }
  default_provider: local
  prices:
    gpt-4o-mini: { input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6 }
  output_checks:
    - banned_phrases: { list: [guaranteed returns, risk-free] }
`;

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  system_fingerprint: 'fp_bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Consistency beats intensity: one useful post a day.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 24, completion_tokens: 11, total_tokens: 35 },
});

const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', system_fingerprint: 'fp_bench', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const STREAM = [chunk({ role: 'assistant', content: '' }), ...'Consistency beats intensity: one useful post a day.'.split(' ').map((w) => chunk({ content: `${w} ` })), chunk({}, 'stop')];
const USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 24, completion_tokens: 11, total_tokens: 35 } })}\n\n`;

let server;
let close = async () => {};
let key = null;

if (mode === 'upstream') {
  server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      if (req.url?.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","owned_by":"bench"}]}');
      const body = JSON.parse(Buffer.concat(parts).toString() || '{}');
      if (!body.stream) return void res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      // The first chunk goes at once, so time to first byte measures the hops, not the model.
      for (const c of STREAM) res.write(c);
      if (body.stream_options?.include_usage) res.write(USAGE);
      res.end('data: [DONE]\n\n');
    });
  });
  server.keepAliveTimeout = 60_000;
  close = () => new Promise((r) => server.close(r));
} else if (mode === 'passthrough') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  server = http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: Number(upstreamPort), path: req.url, method: req.method, headers: req.headers, agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  close = () => new Promise((r) => server.close(r));
} else {
  const [{ Bridle, openStore, parsePolicy, createApiKey }, { buildServer }, { tempDir }] = await Promise.all([
    import('../packages/core/dist/index.js'),
    import('../packages/server/dist/index.js'),
    import('./inprocess.js'),
  ]);
  const dataDir = tempDir('gateway');
  const store = await openStore({ dataDir, exclusive: true });
  const bridle = await Bridle.open({ store, policy: parsePolicy(GATEWAY_POLICY(upstreamPort)) });
  ({ key } = await createApiKey(bridle, 'bench-bot', { actor: { type: 'operator', id: 'bench' } }));
  const app = buildServer({ bridle, adminToken: 'x'.repeat(20) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  server = app.server;
  close = async () => {
    await app.close();
    await bridle.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

if (!server.listening) await new Promise((r) => server.listen(0, '127.0.0.1', r));
process.send({ type: 'ready', port: server.address().port, key });
process.on('message', async (m) => {
  if (m?.type === 'stats') {
    if (m.gc && globalThis.gc) globalThis.gc();
    const peakKb = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    process.send({ type: 'stats', rss: process.memoryUsage().rss, peakRss: peakKb === undefined ? NaN : Number(peakKb) * 1024 });
  } else if (m?.type === 'stop') {
    await close().catch(() => {});
    process.send({ type: 'stopped' });
    process.exit(0);
  }
});
