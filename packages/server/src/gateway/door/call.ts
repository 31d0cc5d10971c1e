import { runChecks, type ActionRecord, type Bridle, type CompiledCheck, type GatewayConfig, type JsonObject, type JsonValue } from '@bridle/core';
import { contentText, isObject, num, objects, str } from '../translate/common.js';
import type { ChatBody, FailedAttempt, Price, Router, Usage } from '../types.js';
import { decisionError, GatewayError } from './errors.js';
import { costMicroUsd, defaultPrice } from '../prices.js';
import { dearest, DEFAULT_OUTPUT_TOKENS, estimateMicroUsd } from './money.js';
import { payloadRow, seal, type SealedBody } from './payloads.js';

/** Everything a gateway route needs, built once at start-up. */
export interface Door {
  bridle: Bridle;
  router: Router;
  config: GatewayConfig;
  outputChecks: CompiledCheck[];
  /** Actions this process is running a model call for: a replayed Idempotency-Key must not call twice. */
  running: Set<string>;
  now(): number;
}

/** A call the pipeline allowed: the action, the model to call, and the price it is settled at. */
export interface Admitted {
  rec: ActionRecord;
  agentId: string;
  requestedModel: string;
  /** The model name handed to the router (the downgrade under budget pressure, or the request's). */
  model: string;
  downgradedFrom: string | null;
  /** The body sent upstream: the agent's, with input redactions applied. */
  body: ChatBody;
  prompt: string | null;
  startedAt: number;
  /** The price the reservation was made at; settles a call whose answering target has no price of its own. */
  reservedAt: Price;
}

const MODEL_HINT = 'list it under gateway.models (or set gateway.default_provider)';

/** The targets a model resolves to, or the OpenAI-style 404 an SDK reports as NotFoundError. */
function resolve(door: Door, model: string) {
  const targets = door.router.resolve(model);
  if (!targets || targets.length === 0) throw new GatewayError(404, 'invalid_request_error', 'model_not_found', `The model \`${model}\` does not exist or is not served by this gateway; ${MODEL_HINT}`, { param: 'model', retry: false });
  return targets;
}

/**
 * The price a call to `model` is reserved at: the dearest of its targets, so a fallback fits.
 * An unknown price is never zero: `unknown_model_price: block` refuses the call.
 */
export function reservePrice(door: Door, model: string): Price {
  const prices = resolve(door, model).map((t) => {
    const p = door.router.price(t.model);
    if (p) return p;
    const fallback = defaultPrice(door.config.unknown_model_price);
    if (fallback === null) {
      throw new GatewayError(400, 'invalid_request_error', 'model_price_unknown', `Bridle has no price for model \`${t.model}\` (provider ${t.provider}), and gateway.unknown_model_price is block; add gateway.prices["${t.model}"]: { input_usd_per_mtok, output_usd_per_mtok }, or set unknown_model_price to a default price`, { param: 'model', retry: false });
    }
    return fallback;
  });
  return dearest(prices);
}

/** The text of the messages, split by trust: `untrusted_roles` (tool results by default) go to `untrusted`. */
export function messageText(body: ChatBody, untrustedRoles: readonly string[]): { text: string; untrusted: string } {
  const trusted: string[] = [];
  const untrusted: string[] = [];
  for (const m of body.messages) {
    const role = str(m.role) ?? 'user';
    let t = contentText(m.content);
    for (const call of objects(m.tool_calls)) {
      const fn = isObject(call.function) ? call.function : {};
      t += (t ? '\n' : '') + (str(fn.arguments) ?? '');
    }
    if (t === '') continue;
    (untrustedRoles.includes(role) ? untrusted : trusted).push(t);
  }
  return { text: trusted.join('\n\n'), untrusted: untrusted.join('\n\n') };
}

/** The output token cap of a request: max_completion_tokens, max_tokens, or the default; times `n` choices. */
export function outputCap(body: JsonObject): number {
  const cap = num(body.max_completion_tokens) ?? num(body.max_tokens) ?? DEFAULT_OUTPUT_TOKENS;
  const n = Math.max(1, Math.min(128, Math.floor(num(body.n) ?? 1)));
  return Math.max(0, Math.floor(cap)) * n;
}

export interface AdmitInput {
  agentId: string;
  body: ChatBody;
  operation: 'chat' | 'embeddings';
  promptTokens: number;
  maxOutputTokens: number;
  /** The request's own output cap, recorded in the params (the reservation may cover re-asks too). */
  paramsMaxTokens: number;
  prompt: string | null;
  idempotencyKey: string | undefined;
  text: { text: string; untrusted: string };
}

/**
 * Submits the call to the pipeline as an authorize-mode action and returns what to call, or
 * throws the client's error for a refusal. Input checks see `text` and `untrusted`; a budget
 * reservation is made at the dearest target's price.
 */
export async function admit(door: Door, input: AdmitInput): Promise<Admitted> {
  const { body } = input;
  const requested = body.model;
  const price = reservePrice(door, requested);
  const estimate = estimateMicroUsd(input.promptTokens, input.maxOutputTokens, price);
  const params: JsonObject = {
    operation: input.operation,
    model: requested,
    text: input.text.text,
    untrusted: input.text.untrusted,
    stream: body.stream === true,
    max_tokens: input.paramsMaxTokens,
    prompt: input.prompt,
  };
  const rec = await door.bridle.submit({ agentId: input.agentId, type: door.config.action_type, mode: 'authorize', params, estimatedCostMicroUsd: estimate, ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}) });
  if (rec.status !== 'allowed' && rec.status !== 'approved') {
    if (rec.status === 'blocked' || rec.status === 'awaiting_approval' || rec.status === 'rejected' || rec.status === 'expired') throw decisionError(rec);
    throw new GatewayError(409, 'invalid_request_error', 'BRIDLE_E_IDEMPOTENCY_CONFLICT', `Idempotency key "${input.idempotencyKey ?? ''}" belongs to call ${rec.id}, which is already ${rec.status}; use a new key for a new call`, { actionId: rec.id, retry: false });
  }
  if (door.running.has(rec.id)) throw new GatewayError(409, 'invalid_request_error', 'BRIDLE_E_IDEMPOTENCY_CONFLICT', `Call ${rec.id} with this Idempotency-Key is still running`, { actionId: rec.id, retry: false });
  door.running.add(rec.id);
  let model = requested;
  let downgradedFrom: string | null = null;
  const guards = rec.decision?.guards;
  const budget = guards && isObject(guards.budget) ? guards.budget : null;
  if (budget?.degrade === true && input.operation === 'chat') {
    const cheaper = door.router.downgradeOf(requested);
    // Only when it really fits the reservation made for the original model.
    if (cheaper && safeEstimate(door, cheaper, input) <= estimate) {
      model = cheaper;
      downgradedFrom = requested;
    }
  }
  const upstream = rec.decision?.redactions?.length ? await redactMessages(door, input.agentId, body) : body;
  return { rec, agentId: input.agentId, requestedModel: requested, model, downgradedFrom, body: { ...upstream, model }, prompt: input.prompt, startedAt: door.now(), reservedAt: price };
}

function safeEstimate(door: Door, model: string, input: AdmitInput): number {
  try {
    return estimateMicroUsd(input.promptTokens, input.maxOutputTokens, reservePrice(door, model));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Input redaction reaches the provider: the action's `on_fail: redact` checks rewrite the
 * action's `text`/`untrusted` params, and here they run again on each message on its own (under
 * the field its role maps to), so the body sent upstream carries the same redactions while its
 * structure (roles, tool calls, unknown fields) stays intact.
 */
async function redactMessages(door: Door, agentId: string, body: ChatBody): Promise<ChatBody> {
  const action = door.bridle.policy.actions.get(door.config.action_type);
  const checks = action?.checks.filter((c) => c.onFail === 'redact') ?? [];
  if (checks.length === 0) return body;
  const fix = async (text: string, field: string): Promise<string> => {
    let current = text;
    for (let round = 0; round < 3; round++) {
      const reports = await runChecks(checks, { agentId, actionType: door.config.action_type, params: { [field]: current } });
      const r = reports.find((x) => !x.passed && !x.error && typeof x.redacted?.[field] === 'string');
      if (!r) return current;
      current = r.redacted![field] as string;
    }
    return current;
  };
  const messages: JsonObject[] = [];
  for (const m of body.messages) {
    const field = door.config.untrusted_roles.includes((str(m.role) ?? 'user') as never) ? 'untrusted' : 'text';
    let content: JsonValue | undefined = m.content;
    if (typeof content === 'string') content = await fix(content, field);
    else if (Array.isArray(content)) {
      const parts: JsonValue[] = [];
      for (const p of content) parts.push(isObject(p) && typeof p.text === 'string' ? { ...p, text: await fix(p.text, field) } : p);
      content = parts;
    }
    messages.push(content === undefined ? m : { ...m, content });
  }
  return { ...body, messages };
}

export interface Outcome {
  ok: boolean;
  provider?: string;
  kind?: string;
  model?: string;
  fingerprint?: string;
  usage: Usage | null;
  /** The exact cost when it was summed per attempt (re-asks may reach different targets); else from `usage`. */
  costMicroUsd?: number;
  attempts: FailedAttempt[];
  error?: string;
  finishReason?: string | null;
  request: JsonValue;
  response: JsonValue | null;
  extra?: JsonObject;
}

/**
 * Reports the outcome, with the stored bodies (gateway.audit) in the same commit, settling the
 * reservation at the exact cost of the tokens the provider counted (a failed or cut-off call still pays for what
 * was generated). Throws when the report cannot be made durable: the caller then answers an
 * error (or ends a stream with an error event) rather than acknowledging an unrecorded call.
 */
export async function settle(door: Door, a: Admitted, o: Outcome): Promise<{ costMicroUsd: number }> {
  const price = door.router.price(o.model ?? a.model) ?? a.reservedAt;
  const cost = o.costMicroUsd ?? (o.usage ? costMicroUsd(price, o.usage) : 0);
  try {
    const audit = door.config.audit;
    const req: SealedBody = seal(o.request, audit.redact_paths);
    const res: SealedBody | null = o.response === null ? null : seal(o.response, audit.redact_paths);
    const result: JsonObject = {
      operation: o.extra?.operation ?? 'chat',
      requestedModel: a.requestedModel,
      model: o.model ?? a.model,
      provider: o.provider ?? null,
      providerKind: o.kind ?? null,
      systemFingerprint: o.fingerprint ?? null,
      downgradedFrom: a.downgradedFrom,
      prompt: a.prompt,
      usage: o.usage ? { inputTokens: o.usage.inputTokens, outputTokens: o.usage.outputTokens, cachedInputTokens: o.usage.cachedInputTokens, estimated: o.usage.estimated } : null,
      price: { inputUsdPerMtok: price.inputUsdPerMtok, outputUsdPerMtok: price.outputUsdPerMtok, source: price.source },
      latencyMs: Math.max(0, door.now() - a.startedAt),
      fallbacks: o.attempts.map((t) => ({ provider: t.provider, model: t.model, failure: t.failure, status: t.status ?? null, message: t.message.slice(0, 300), durationMs: t.durationMs })),
      finishReason: o.finishReason ?? null,
      record: audit.record,
      request: { sha256: req.sha256, bytes: req.bytes },
      response: res ? { sha256: res.sha256, bytes: res.bytes } : null,
      ...(o.extra ?? {}),
    };
    const report = { outcome: o.ok ? 'succeeded' : 'failed', costMicroUsd: cost, result, ...(o.error ? { error: o.error } : {}) } as const;
    await door.bridle.report(a.rec.id, a.agentId, report, audit.record === 'full' ? { llmPayload: payloadRow(a.rec.id, req, res, door.now()) } : {});
  } finally {
    door.running.delete(a.rec.id);
  }
  return { costMicroUsd: cost };
}
