import { readFileSync, rmSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bridle, BridleError, type LoadedPolicy, type Store } from '@bridle/core';
import { buildServer, slackConfigFromEnv, createLogger, logOptionsFromEnv, observabilityFromEnv } from '@bridle/server';
import { adminToken, dataDirOf, loadPolicy, openCliStore, type CommonOptions } from './config.js';

export interface StartOptions extends CommonOptions {
  port?: string | number;
  host?: string;
  quiet?: boolean;
}

export interface Running {
  bridle: Bridle;
  app: ReturnType<typeof buildServer>;
  store: Store;
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

function parsePort(p: string | number | undefined): number {
  const raw = p ?? process.env.BRIDLE_PORT ?? 8787;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new BridleError('BRIDLE_E_CONFIG', `--port must be a whole number from 0 to 65535 (got "${String(raw)}")`);
  return n;
}

/** Opens the store (holding its lock), starts the pipeline and the HTTP server. */
export async function startServer(o: StartOptions, policy: LoadedPolicy): Promise<Running> {
  const port = parsePort(o.port);
  const host = o.host ?? process.env.BRIDLE_HOST ?? '127.0.0.1';
  // Bad log or telemetry settings stop start-up before anything is opened.
  const observability = observabilityFromEnv(process.env);
  const log = o.quiet ? null : createLogger(logOptionsFromEnv(process.env, process.stderr.isTTY === true));
  const dataDir = dataDirOf(o);
  const token = adminToken(dataDir, true)!;
  const store = await openCliStore(o, { exclusive: true });
  writeFileSync(join(dataDir, 'running-policy.yaml'), policy.text, { mode: 0o600 });
  let bridle: Bridle;
  try {
    bridle = await Bridle.open({ store, policy, ...(process.env.BRIDLE_CALLBACK_SECRET ? { callbackSecret: process.env.BRIDLE_CALLBACK_SECRET } : {}) });
  } catch (e) {
    await store.close();
    throw e;
  }
  let slack;
  try {
    slack = slackConfigFromEnv(process.env) ?? undefined;
  } catch (e) {
    await bridle.close();
    throw new BridleError('BRIDLE_E_CONFIG', (e as Error).message);
  }
  const app = buildServer({ bridle, adminToken: token, ...(log ? { loggerInstance: log } : { logger: false }), observability, ...(slack ? { slack } : {}) });
  try {
    await app.listen({ port, host });
  } catch (e) {
    await bridle.close();
    await store.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new BridleError('BRIDLE_E_CONFIG', code === 'EADDRINUSE' ? `Port ${port} on ${host} is already in use; pass --port` : `Cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  const addr = app.server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${typeof addr === 'object' && addr ? addr.port : port}`;
  // Lets CLI commands in another terminal find this server, whatever port it took.
  const advert = join(dataDir, 'server.json');
  writeFileSync(advert, JSON.stringify({ url, pid: process.pid }) + '\n', { mode: 0o600 });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      rmSync(advert, { force: true });
      await app.close();
      await bridle.close();
      await store.close();
    })());
  return { bridle, app, store, url, adminToken: token, stop };
}

/**
 * Hot reload: on a change to the policy file (or SIGHUP) the new policy is validated and swapped
 * in; a bad one is reported and the running policy stays.
 */
export function watchPolicy(r: Running, file: string, log: (line: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      void r.bridle.reloadPolicy(() => loadPolicy(file), { type: 'operator', id: 'policy-file' }).then((res) => {
        if (res.ok) {
          writeFileSync(join(r.store.dataDir, 'running-policy.yaml'), readFileSync(file, 'utf8'), { mode: 0o600 });
          log(`policy reloaded: ${file} (${res.version})`);
        } else log(`policy reload REFUSED, still running ${res.version}:\n${res.error}`);
      });
    }, 200);
  };
  watchFile(file, { interval: 500 }, (cur, prev) => {
    if (cur.mtimeMs !== prev.mtimeMs) reload();
  });
  process.on('SIGHUP', reload);
  return () => {
    unwatchFile(file);
    process.off('SIGHUP', reload);
    clearTimeout(timer);
  };
}

/** Stops cleanly on Ctrl-C or SIGTERM: in-flight requests finish, pending audit is flushed. */
export function stopOnSignals(r: Running): void {
  const handler = (sig: string) => {
    process.stderr.write(`\n${sig}: stopping… `);
    void r.stop().then(
      () => {
        process.stderr.write('stopped.\n');
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
