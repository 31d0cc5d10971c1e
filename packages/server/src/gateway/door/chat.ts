import type { JsonObject } from '@bridle/core';
import { contentText, isObject, objects, str } from '../translate/common.js';
import { UpstreamError, type ChatCompletion, type FailedAttempt, type Usage } from '../types.js';
import { settle, type Admitted, type Door } from './call.js';
import { GatewayError, upstreamError } from './errors.js';
import { costMicroUsd } from '../prices.js';
import { checkOutput, type OutputVerdict } from './output-checks.js';
import { recordLlmCall } from './telemetry.js';

/** The text output checks read from one choice's message: its content, then each tool call's arguments. */
export function messageOutputText(message: JsonObject): string {
  const parts = [contentText(message.content)];
  for (const call of objects(message.tool_calls)) {
    const fn = isObject(call.function) ? call.function : {};
    parts.push(str(fn.arguments) ?? '');
  }
  return parts.filter((p) => p !== '').join('\n');
}

const addUsage = (a: Usage | null, b: Usage): Usage => (a ? { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens, estimated: a.estimated || b.estimated } : b);

/** Checks every choice; the worst verdict wins (block, then re-ask, then redact). Redactions are applied in place. */
async function verifyChoices(door: Door, a: Admitted, completion: ChatCompletion): Promise<OutputVerdict> {
  let worst: OutputVerdict = { kind: 'pass', reports: [] };
  const rank = { pass: 0, redact: 1, reask: 2, block: 3 } as const;
  for (const choice of objects(completion.choices)) {
    const message = isObject(choice.message) ? choice.message : {};
    const v = await checkOutput(door.outputChecks, messageOutputText(message), { agentId: a.agentId, actionType: door.config.action_type });
    if (v.kind === 'redact') {
      // Only the content can be rewritten; a finding in tool-call arguments would break their JSON.
      if (message.tool_calls !== undefined) return { kind: 'block', check: v.reports.find((r) => !r.passed)?.name ?? 'output', reason: 'a finding inside tool-call arguments cannot be redacted', reports: v.reports };
      choice.message = { ...message, content: v.text };
    }
    if (rank[v.kind] > rank[worst.kind]) worst = v;
  }
  return worst;
}

/**
 * A non-streaming chat call: upstream (with the router's retries and fallbacks), output checks,
 * re-asks with the findings when a check says retry_with_feedback (at most `reask_max`, each
 * attempt charged), then the report. Returns the completion to send, or throws the client's error.
 */
export async function runChat(door: Door, a: Admitted, signal: AbortSignal, maxAttempts: number): Promise<ChatCompletion> {
  let body = a.body;
  let usage: Usage | null = null;
  let cost = 0;
  const attempts: FailedAttempt[] = [];
  let last: { provider: string; kind: string; model: string; fingerprint?: string } | null = null;
  let verdict: OutputVerdict = { kind: 'pass', reports: [] };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const started = door.now();
    let result;
    try {
      result = await door.router.chat(body, { signal });
    } catch (e) {
      const ue = e instanceof UpstreamError ? e : new UpstreamError('connection', e instanceof Error ? e.message : String(e));
      recordLlmCall({ operation: 'chat', provider: ue.opts.provider ?? 'unknown', requestModel: a.model, stream: false, startMs: started, endMs: door.now(), error: ue.failure, attempt, actionId: a.rec.id });
      attempts.push(...(ue.opts.attempts ?? []));
      await settle(door, a, { ok: false, usage, attempts, error: `upstream ${ue.failure}: ${ue.message}`, request: a.body, response: ue.opts.body ?? null, ...(last ?? {}), extra: { reasks: attempt - 1 }, ...(usage ? { costMicroUsd: cost } : {}) });
      throw upstreamError(ue);
    }
    recordLlmCall({ operation: 'chat', provider: result.provider, requestModel: a.model, responseModel: result.model, inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, finishReasons: objects(result.body.choices).map((c) => str(c.finish_reason) ?? ''), stream: false, startMs: started, endMs: door.now(), attempt, actionId: a.rec.id });
    attempts.push(...result.attempts);
    usage = addUsage(usage, result.usage);
    cost += costMicroUsd(door.router.price(result.model) ?? a.reservedAt, result.usage);
    last = { provider: result.provider, kind: result.kind, model: result.model, ...(result.systemFingerprint ? { fingerprint: result.systemFingerprint } : {}) };
    verdict = await verifyChoices(door, a, result.body);
    if (verdict.kind === 'reask' && attempt < maxAttempts) {
      const answer = objects(result.body.choices)[0];
      const message = answer && isObject(answer.message) ? answer.message : { role: 'assistant', content: '' };
      body = { ...body, messages: [...body.messages, message, { role: 'user', content: verdict.feedback }] };
      continue;
    }
    const checks = verdict.reports.map((r) => ({ name: r.name, passed: r.passed, onFail: r.onFail, reason: r.reason }));
    const finishReason = str(objects(result.body.choices)[0]?.finish_reason) ?? null;
    const extra: JsonObject = { reasks: attempt - 1, outputChecks: checks, ...(verdict.kind === 'redact' ? { outputRedacted: true } : {}) };
    if (verdict.kind === 'block' || verdict.kind === 'reask') {
      const check = verdict.kind === 'block' ? verdict.check : (verdict.reports.find((r) => !r.passed)?.name ?? 'output');
      const reason = verdict.kind === 'block' ? verdict.reason : `still failing after ${attempt - 1} re-ask(s)`;
      await settle(door, a, { ok: false, usage, costMicroUsd: cost, attempts, ...last, finishReason, error: `output check ${check}: ${reason}`, request: a.body, response: result.body, extra });
      throw new GatewayError(403, 'bridle_denied', 'output_check_failed', `Bridle withheld the model's answer (check ${check}): ${reason}`, { actionId: a.rec.id, retry: false });
    }
    await settle(door, a, { ok: true, usage, costMicroUsd: cost, attempts, ...last, finishReason, request: a.body, response: result.body, extra });
    return result.body;
  }
  throw new Error('unreachable: the loop returns or throws');
}
