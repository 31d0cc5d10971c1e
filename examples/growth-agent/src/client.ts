import { BridleError, ERROR_CODES, type BridleErrorCode } from '@bridle/core';

/** The parts of Bridle's action view (docs/api.md) the agent reads. */
export interface ActionView {
  id: string;
  status: string;
  params: Record<string, unknown>;
  notBefore: string | null;
  decision: {
    outcome: string;
    code: string;
    reason: string;
    retryAfterMs?: number;
    feedback?: Feedback;
  } | null;
  result: unknown;
  error: { code: string; message: string } | null;
}

/** What a `needs_revision` decision says is wrong. */
export interface Feedback {
  findings: { check: string; reason: string; findings: { message: string; field?: string; span?: { start: number; end: number }; match?: string }[] }[];
  revisionsLeft: number;
}

export interface SubmitBody {
  type: string;
  params: Record<string, unknown>;
  rationale: string;
  idempotencyKey: string;
  notBefore?: string;
  campaign?: string;
  revisionOf?: string;
}

const isCode = (c: unknown): c is BridleErrorCode => typeof c === 'string' && c in ERROR_CODES;

/**
 * A minimal Bridle HTTP client over global fetch, with the agent's key. Every request is bounded
 * in time; an error answer keeps Bridle's own code, and an unreachable server is
 * BRIDLE_E_CONNECTOR.
 */
export class BridleClient {
  readonly url: string;

  constructor(
    url: string,
    private readonly key: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.url = url.replace(/\/+$/, '');
  }

  /** POST /v1/actions. */
  submit(body: SubmitBody): Promise<ActionView> {
    return this.request<ActionView>('POST', '/v1/actions', body);
  }

  /** GET /v1/actions/:id. */
  get(id: string): Promise<ActionView> {
    return this.request<ActionView>('GET', `/v1/actions/${encodeURIComponent(id)}`);
  }

  /** POST /v1/chat/completions through Bridle's gateway (OpenAI format). */
  chat<T>(body: Record<string, unknown>): Promise<T> {
    return this.request<T>('POST', '/v1/chat/completions', body);
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as Error).cause as { code?: string } | undefined;
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (cause?.code ?? (e as Error).message);
      throw new BridleError('BRIDLE_E_CONNECTOR', `cannot reach Bridle at ${this.url} (${why}); is it running? Start it with \`bridle start\` or \`npm start\``, { url: this.url });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      throw new BridleError('BRIDLE_E_CONNECTOR', `${method} ${path} answered ${res.status} with a body that is not JSON; is ${this.url} a Bridle server?`, { status: res.status });
    }
    if (res.ok) return json as T;
    const err = json !== null && typeof json === 'object' && 'error' in json ? (json as { error: { code?: unknown; message?: unknown; details?: unknown } }).error : undefined;
    const message = typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`;
    throw new BridleError(isCode(err?.code) ? err.code : 'BRIDLE_E_CONNECTOR', `${method} ${path}: ${message}`, { status: res.status, ...(err?.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {}) });
  }
}
