import { BridleError, type BridleErrorCode, ERROR_CODES } from '@bridle/core';

/** Calls the running server's API as the operator. */
export async function api<T>(base: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), 'x-bridle-operator': process.env.BRIDLE_OPERATOR ?? process.env.USER ?? 'cli' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new BridleError('BRIDLE_E_CONNECTOR', `Cannot reach the Bridle server at ${base}: ${(e as Error).cause ? String((e as { cause: Error }).cause.message) : (e as Error).message}. Is \`bridle start\` running? (--url or BRIDLE_URL to point elsewhere)`, { unreachable: true });
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BridleError('BRIDLE_E_INTERNAL', `Server answered ${res.status} with a non-JSON body`);
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }).error;
    const code = e?.code && e.code in ERROR_CODES ? (e.code as BridleErrorCode) : 'BRIDLE_E_INTERNAL';
    throw new BridleError(code, e?.message ?? `HTTP ${res.status}`, e?.details);
  }
  return data as T;
}
