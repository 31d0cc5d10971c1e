import type { ApiErrorBody } from './types';

/** An error answer from the API (`code` is its BRIDLE_E_… code), or a failure before one: `network` or `http` (a non-JSON answer, e.g. from a proxy). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The session cookie is HttpOnly, so the only secret the page holds is the CSRF token, and only
// in memory: a reload asks GET /v1/session for it again.
let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401, so the app can drop back to the login form. */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

function isErrorBody(v: unknown): v is ApiErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Don't treat a 401 as "session over" (the login and session probes expect one). */
  quiet401?: boolean;
}

/**
 * Calls the Bridle API with the session cookie; non-GET requests carry the CSRF header.
 *
 * @example
 *   const { items } = await api<{ items: ActionView[] }>('/v1/approvals');
 */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-bridle-csrf'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The Bridle server could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) onUnauthenticated?.();
    if (isErrorBody(json)) throw new ApiError(res.status, json.error.code, json.error.message, json.error.details);
    throw new ApiError(res.status, 'http', `The server answered ${res.status} ${res.statusText}`);
  }
  return json as T;
}

/** Builds a query string, leaving out empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.code.startsWith('BRIDLE_E_') ? `${e.message} (${e.code})` : e.message;
  return e instanceof Error ? e.message : String(e);
}
