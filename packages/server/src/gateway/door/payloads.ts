import { canonicalJson, sha256Hex, type JsonObject, type JsonValue, type Store, type WriteSet } from '@bridle/core';

/** `llm_payloads` (migration 0012): bodies kept apart from the audit chain, which holds their sha256. */
interface LlmPayloadsTable {
  action_id: string;
  request: string | null;
  response: string | null;
  created_at: number;
}

const db = (store: Store) => store.db.withTables<{ llm_payloads: LlmPayloadsTable }>();

export const REDACTED = '[REDACTED]';

/**
 * A copy of `body` with every field a JSON pointer names replaced by "[REDACTED]". A `*`
 * segment matches every key or index (`/messages/* /content` in the policy, without the space),
 * so one pointer covers every message. Pointers that name nothing are ignored: bodies differ.
 */
export function redactPaths(body: JsonValue, pointers: readonly string[]): JsonValue {
  let out = body;
  for (const p of pointers) {
    const segments = p
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    out = redactAt(out, segments);
  }
  return out;
}

function redactAt(v: JsonValue, segments: readonly string[]): JsonValue {
  if (segments.length === 0) return REDACTED;
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(v)) {
    if (head === '*') return v.map((x) => redactAt(x, rest));
    const i = Number(head);
    if (!Number.isInteger(i) || i < 0 || i >= v.length) return v;
    return v.map((x, j) => (j === i ? redactAt(x, rest) : x));
  }
  if (v !== null && typeof v === 'object') {
    const o: JsonObject = { ...v };
    const keys = head === '*' ? Object.keys(o) : head in o ? [head] : [];
    for (const k of keys) o[k] = redactAt(o[k]!, rest);
    return o;
  }
  return v;
}

/** A body as stored: canonical JSON after redaction, its sha256 and size. */
export interface SealedBody {
  text: string;
  sha256: string;
  bytes: number;
}

export function seal(body: JsonValue, pointers: readonly string[]): SealedBody {
  const text = canonicalJson(pointers.length > 0 ? redactPaths(body, pointers) : body);
  return { text, sha256: sha256Hex(text), bytes: Buffer.byteLength(text) };
}

/**
 * The `llm_payloads` row of one call, for the outcome's group commit (`WriteSet.llmPayload`):
 * bodies and the audit entry holding their sha256 land in one transaction, and cost no commit
 * (no fsync) of their own. A re-run after approval replaces the row.
 */
export function payloadRow(actionId: string, request: SealedBody, response: SealedBody | null, now: number): NonNullable<WriteSet['llmPayload']> {
  return { action_id: actionId, request: request.text, response: response?.text ?? null, created_at: now };
}

/** The stored bodies of one call, or null when none were kept (metadata mode) or they were swept. */
export async function readPayload(store: Store, actionId: string): Promise<{ request: JsonValue | null; response: JsonValue | null; requestSha256: string | null; responseSha256: string | null; createdAt: number } | null> {
  const row = await db(store).selectFrom('llm_payloads').selectAll().where('action_id', '=', actionId).executeTakeFirst();
  if (!row) return null;
  const parse = (t: string | null): JsonValue | null => (t === null ? null : (JSON.parse(t) as JsonValue));
  return {
    request: parse(row.request),
    response: parse(row.response),
    requestSha256: row.request === null ? null : sha256Hex(row.request),
    responseSha256: row.response === null ? null : sha256Hex(row.response),
    createdAt: Number(row.created_at),
  };
}

/** Deletes bodies stored before `before` (epoch ms); their hashes stay in the audit chain. Returns how many. */
export async function sweepPayloads(store: Store, before: number): Promise<number> {
  const r = await db(store).deleteFrom('llm_payloads').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
