import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Real local servers for the alert channel tests: HTTP (Slack, webhooks) and SMTP, on 127.0.0.1. */

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface TestHttpServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** An HTTP server answering each request with `reply(request, index)`; it records every request. */
export async function httpServer(reply: (req: Received, i: number) => Reply | Promise<Reply>): Promise<TestHttpServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const i = received.push(r) - 1;
      void Promise.resolve(reply(r, i)).then((out) => {
        res.writeHead(out.status, out.headers ?? {});
        res.end(out.body ?? '');
      });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((ok) => server.close(() => ok())).then(() => undefined),
  };
}

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * An SMTP server on a random port. `rcpt` can refuse a recipient with an SMTP code (e.g. 550
 * unknown mailbox, 451 try later). STARTTLS is off: the test client speaks plain SMTP.
 */
export async function smtpServer(opts: { rcpt?: (address: string, i: number) => number | undefined } = {}): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  let rcpts = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const code = opts.rcpt?.(address.address, rcpts++);
      if (code === undefined) return cb();
      const err = Object.assign(new Error(code >= 500 ? 'No such user here' : 'Try again later'), { responseCode: code });
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, ...parseMime(raw) });
        cb();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, port, mails, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** Just enough MIME for the tests: top-level headers, and the text/plain and text/html parts decoded. */
function parseMime(raw: string): { headers: Record<string, string>; text: string; html: string } {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = parseHeaders(head ?? '');
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`${head}\r\n\r\n${body}`];
  let text = '';
  let html = '';
  for (const p of parts) {
    const [ph, ...pb] = p.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const h = parseHeaders(ph ?? '');
    // The line break before a boundary belongs to the boundary, not to the part.
    const decoded = decode(pb.join('\r\n\r\n').replace(/\r?\n$/, ''), h['content-transfer-encoding'] ?? '7bit');
    if ((h['content-type'] ?? '').startsWith('text/plain')) text = decoded;
    if ((h['content-type'] ?? '').startsWith('text/html')) html = decoded;
  }
  return { headers, text, html };
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function decode(s: string, enc: string): string {
  if (/base64/i.test(enc)) return Buffer.from(s.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(enc)) {
    const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n');
  }
  return s.replace(/\r\n/g, '\n');
}
