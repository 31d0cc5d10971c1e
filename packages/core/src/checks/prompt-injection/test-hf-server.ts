import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a Hugging Face text-classification endpoint on 127.0.0.1, for tests. The path
 * picks the behaviour: /ok answers [{label, score}] (INJECTION 0.97 when the input contains
 * "MAGIC", else 0.02), /nested the TEI form [[…]], /top1 a single SAFE label, /500 an error,
 * /garbage a body that is not JSON, /shape JSON of the wrong shape, /hang nothing at all.
 */
export interface HfServer {
  url: (path: string) => string;
  /** The last request's headers and parsed body. */
  last: { headers: IncomingHttpHeaders; body: unknown } | undefined;
  close: () => Promise<void>;
}

export async function startHfServer(): Promise<HfServer> {
  const state: { last: HfServer['last'] } = { last: undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      state.last = { headers: req.headers, body };
      const input = typeof body === 'object' && body !== null && 'inputs' in body ? String((body as { inputs: unknown }).inputs) : '';
      const p = input.includes('MAGIC') ? 0.97 : 0.02;
      const preds = [
        { label: 'INJECTION', score: p },
        { label: 'SAFE', score: 1 - p },
      ].sort((a, b) => b.score - a.score);
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      switch (req.url) {
        case '/ok':
          return send(200, JSON.stringify(preds));
        case '/nested':
          return send(200, JSON.stringify([preds]));
        case '/top1':
          return send(200, JSON.stringify([{ label: 'SAFE', score: 0.9 }]));
        case '/500':
          return send(500, '{"error":"model overloaded"}');
        case '/garbage':
          return send(200, '<html>oops</html>');
        case '/shape':
          return send(200, JSON.stringify({ label: 'SAFE', score: 0.9 }));
        case '/hang':
          return; // never answers
        default:
          return send(404, '{"error":"not found"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    get last() {
      return state.last;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
