import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** packages/dashboard/dist, from src/dashboard (tests, tsx) and from dist/dashboard (built) alike. */
export const DEFAULT_DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../dashboard/dist');

/** The policy on every HTML page: scripts, styles and API calls from this origin only. */
export const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Paths that belong to the API, never to the app: unknown ones stay JSON 404s. */
const API = /^\/(v1(\/|$)|healthz$|readyz$|openapi\.json$|metrics$)/;

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bridle dashboard not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The dashboard is not built</h1>
<p>The API is running. To serve the dashboard here, build it once:</p>
<pre style="background:#f3f3f3;padding:1rem">npm run build -w @bridle/dashboard</pre>
<p>then reload this page.</p></body></html>`;

function html(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
}

/**
 * Serves the single-page app: files from `distDir`, `index.html` (no-cache) for any other GET
 * that is not an API path, so client-side routes survive a reload. Hashed assets under
 * `assets/` are immutable and cached for a year. Without a build, `/` answers 503 with how to make one.
 */
export function registerStatic(app: FastifyInstance, opts: { distDir?: string | undefined } = {}): void {
  const root = resolve(opts.distDir ?? DEFAULT_DIST);
  const index = join(root, 'index.html');
  app.route({
    method: 'GET',
    url: '/*',
    handler: async (req, reply) => {
      let path: string;
      try {
        path = decodeURIComponent((req.url.split('?')[0] ?? '/').replace(/\/+/g, '/'));
      } catch {
        return reply.code(400).send({ error: { code: 'BRIDLE_E_BAD_REQUEST', message: 'Malformed URL encoding' } });
      }
      if (API.test(path)) {
        return reply.code(404).send({ error: { code: 'BRIDLE_E_NOT_FOUND', message: `No route GET ${path}` } });
      }
      if (!existsSync(index)) return html(reply).code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(MISSING);
      // Resolve inside the root only: `..` and absolute paths cannot step out of it.
      const file = resolve(root, `.${path}`);
      const inside = file === root || file.startsWith(root + sep);
      if (inside && file !== root && path !== '/index.html') {
        const st = statSync(file, { throwIfNoEntry: false });
        if (st?.isFile()) {
          const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
          const immutable = path.startsWith('/assets/');
          reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').header('content-length', st.size).type(type);
          if (type.startsWith('text/html')) html(reply);
          return reply.send(createReadStream(file));
        }
        // A missing asset is a 404, not the app: a stale cached page asking for an old chunk should fail loudly.
        if (extname(path) !== '' && !path.endsWith('.html')) return reply.code(404).send({ error: { code: 'BRIDLE_E_NOT_FOUND', message: `No file ${path}` } });
      }
      return html(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(createReadStream(index));
    },
  });
}
