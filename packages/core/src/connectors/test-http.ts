import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The scaffolding the platform test servers (x, reddit, linkedin, instagram, tiktok) share: a
 * real HTTP server on 127.0.0.1 port 0, body reading, JSON replies, a request log and scripted
 * replies. Each platform keeps its own endpoints, auth and error shapes in its own
 * `test-server.ts`; only what is identical across them lives here.
 */

/** A canned answer that preempts normal handling of the next request. */
export interface ScriptedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (to exercise timeouts). */
  delayMs?: number;
}

/** One request as the server saw it, for assertions on what the connector sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Send = (res: ServerResponse, status: number, body?: unknown, headers?: Record<string, string>) => void;

/** Reads the whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Answers with `body` as JSON (an empty body when undefined). `content-type: application/json`
 * is set only when there is a body, so 204s stay bare; `headers` win over it.
 */
export const sendJson: Send = (res, status, body, headers = {}) => {
  res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};

/** A server listening on loopback; `close` drops open keep-alive connections so tests end fast. */
export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1 at a free port. A handler that throws answers 500 with the error
 * text, so a broken test server shows up as a failed request rather than a hang.
 */
export async function listenLocal(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<LocalServer> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(e));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A test server that logs every request and answers from a script before its own handler. */
export interface ScriptedServer extends LocalServer {
  requests: RecordedRequest[];
  /** The next requests answer with these, in order, before normal handling. */
  script(...replies: ScriptedReply[]): void;
}

export interface ScriptedServerOptions {
  /** The platform's endpoints; `body` is the raw request body. */
  handle(req: IncomingMessage, res: ServerResponse, body: string, url: URL): void;
  /** Writes scripted replies the way the platform writes its own (headers, content type). */
  send: Send;
  /** Log the query string with the path (default: the path alone). */
  logQuery?: boolean;
}

/**
 * Starts a server that records each request, then answers it from the script queue (delayed
 * replies included, cancelled on close) or, when the queue is empty, with `handle`.
 */
export async function startScriptedServer(opts: ScriptedServerOptions): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const local = await listenLocal(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? '', path: opts.logQuery ? url.pathname + url.search : url.pathname, headers: req.headers, body });
    const scripted = queue.shift();
    if (!scripted) return opts.handle(req, res, body, url);
    const reply = () => {
      // The client may have given up (timeout test) before a delayed reply is due.
      if (!res.destroyed) opts.send(res, scripted.status, scripted.body, scripted.headers);
    };
    if (!scripted.delayMs) return reply();
    const t = setTimeout(() => {
      timers.delete(t);
      reply();
    }, scripted.delayMs);
    timers.add(t);
  });
  return {
    url: local.url,
    requests,
    script: (...r) => void queue.push(...r),
    close: () => {
      for (const t of timers) clearTimeout(t);
      return local.close();
    },
  };
}

/** Failures queued per route, each used once and in order (instagram, tiktok). */
export class RouteFailures<Route, Failure> {
  private readonly queued = new Map<Route, Failure[]>();

  add(route: Route, failure: Failure): void {
    this.queued.set(route, [...(this.queued.get(route) ?? []), failure]);
  }

  /** The next failure queued for `route`, removed from the queue; undefined when none. */
  take(route: Route): Failure | undefined {
    return this.queued.get(route)?.shift();
  }
}
