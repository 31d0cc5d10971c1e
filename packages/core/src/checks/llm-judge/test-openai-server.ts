import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an OpenAI-compatible Chat Completions endpoint, for tests. It speaks the
 * wire format (request body, Bearer auth, `{error: {message, type, code}}` error bodies, the
 * chat.completion object with `usage`), checks the shape of what it is sent, and by default
 * judges like a model would: it reads the rubric's "Forbidden words: a, b" line from the system
 * prompt and scores the delimited content by how many of them it contains.
 */

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: ChatRequest;
  /** The content blocks of the user message, field by field, as the server parsed them. */
  blocks: { field: string; text: string }[];
}

export interface ChatRequest {
  model?: unknown;
  messages?: { role: string; content: string }[];
  temperature?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  response_format?: { type?: string; json_schema?: { name?: string; strict?: boolean; schema?: { required?: string[] } } };
}

export interface Judgement {
  score: unknown;
  verdict?: unknown;
  reason?: unknown;
  issues?: { quote: string; explanation: string }[];
}

/** What a handler answers: a judgement (wrapped in a chat.completion), a raw reply, or nothing (hang). */
export type Reply = { judgement: Judgement; finishReason?: string } | { status: number; body: unknown } | { content: string | null; refusal?: string } | 'hang';

const error = (status: number, message: string, type: string, code: string | null, param: string | null = null) => ({ status, body: { error: { message, type, param, code } } });

/** The blocks between the check's markers, found the way a reader of the prompt would. */
export function contentBlocks(user: string): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [];
  const re = /<<<CONTENT ([0-9a-f]+) field=("[^"\n]*")>>>\n([\s\S]*?)\n<<<END CONTENT \1>>>/g;
  for (let m = re.exec(user); m; m = re.exec(user)) out.push({ field: JSON.parse(m[2]!) as string, text: m[3]! });
  return out;
}

/** The default judge: forbidden words from the rubric, each occurrence quoted exactly. */
export function forbiddenWordsJudge(req: SeenRequest): Judgement {
  const system = req.body.messages?.find((m) => m.role === 'system')?.content ?? '';
  const words = (/Forbidden words: ([^\n"]+)/.exec(system)?.[1] ?? '').split(',').map((w) => w.trim()).filter(Boolean);
  const issues: { quote: string; explanation: string }[] = [];
  for (const { text } of req.blocks) {
    for (const w of words) {
      const re = new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'gi');
      for (let m = re.exec(text); m; m = re.exec(text)) issues.push({ quote: m[0], explanation: `uses the forbidden word "${w}"` });
    }
  }
  const score = Math.max(0, Math.round((1 - 0.3 * issues.length) * 100) / 100);
  return { score, verdict: issues.length ? 'fail' : 'pass', reason: issues.length ? `${issues.length} forbidden word(s)` : 'meets the rubric', issues };
}

/** What is wrong with a request body, judged by the Chat Completions wire format; empty when fine. */
export function shapeProblems(body: ChatRequest): string[] {
  const p: string[] = [];
  if (typeof body.model !== 'string' || !body.model) p.push('model is required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) p.push('messages must be a non-empty array');
  else if (body.messages.some((m) => !['system', 'user', 'assistant', 'developer'].includes(m.role) || typeof m.content !== 'string')) p.push('each message needs a role and string content');
  if (body.temperature !== undefined && typeof body.temperature !== 'number') p.push('temperature must be a number');
  const rf = body.response_format;
  if (rf && rf.type !== 'json_object' && rf.type !== 'json_schema' && rf.type !== 'text') p.push(`response_format.type ${rf.type} is invalid`);
  if (rf?.type === 'json_schema' && (!rf.json_schema?.name || !rf.json_schema.schema)) p.push('response_format.json_schema needs name and schema');
  return p;
}

export class FakeOpenAI {
  readonly requests: SeenRequest[] = [];
  /** Requests whose connection closed before an answer (a hang the client gave up on). */
  abandoned = 0;
  /** The key the server expects in `Authorization: Bearer …`; undefined accepts none (like Ollama). */
  expectedKey: string | undefined;
  handler: (req: SeenRequest) => Reply = (req) => ({ judgement: forbiddenWordsJudge(req) });
  private server: Server | undefined;
  private port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' }).end(text);
  }

  private answer(method: string, path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    if (method !== 'POST' || path !== '/v1/chat/completions') return this.send(res, 404, error(404, `Unknown request URL: ${method} ${path}`, 'invalid_request_error', 'unknown_url').body);
    if (this.expectedKey !== undefined && headers.authorization !== `Bearer ${this.expectedKey}`) {
      // Like OpenAI, echo what was sent, so tests can see the check keeps keys out of its errors.
      const sent = headers.authorization?.replace(/^Bearer /, '') ?? '';
      return this.send(res, 401, error(401, `Incorrect API key provided: ${sent}.`, 'invalid_request_error', 'invalid_api_key').body);
    }
    let body: ChatRequest;
    try {
      body = JSON.parse(raw) as ChatRequest;
    } catch {
      return this.send(res, 400, error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null).body);
    }
    const problems = shapeProblems(body);
    if (problems.length > 0) return this.send(res, 400, error(400, problems.join('; '), 'invalid_request_error', null).body);
    const user = body.messages!.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
    const seen: SeenRequest = { method, path, headers, body, blocks: contentBlocks(user) };
    this.requests.push(seen);
    const reply = this.handler(seen);
    if (reply === 'hang') {
      res.on('close', () => (this.abandoned += 1));
      return;
    }
    if ('status' in reply) return this.send(res, reply.status, reply.body);
    const content = 'judgement' in reply ? JSON.stringify(reply.judgement) : reply.content;
    const promptTokens = Math.ceil(body.messages!.reduce((n, m) => n + m.content.length, 0) / 4);
    const completionTokens = Math.ceil((content ?? '').length / 4);
    this.send(res, 200, {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: `${String(body.model)}-2024-07-18`,
      system_fingerprint: 'fp_test',
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: 'refusal' in reply ? (reply.refusal ?? null) : null }, logprobs: null, finish_reason: 'finishReason' in reply ? (reply.finishReason ?? 'stop') : 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }
}

export const openAiError = error;
