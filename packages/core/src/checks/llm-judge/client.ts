import { BridleError } from '../../errors.js';
import { JUDGE_REPLY_SCHEMA, type ChatMessage } from './prompt.js';

/** What came back from one successful call. */
export interface Completion {
  content: string;
  /** The model that answered, as the provider names it (often a dated version). */
  model: string;
  totalTokens: number | undefined;
}

export interface ClientConfig {
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  maxTokens: number;
}

/**
 * A backstop for callers that never abort (`bridle scan`); in the pipeline the check's
 * `timeout_ms` (at most 60 s) aborts the signal first.
 */
export const BACKSTOP_TIMEOUT_MS = 60_000;
/** Provider error text is quoted in messages, so keep it short. */
const MAX_ERROR_TEXT = 300;

interface ProviderError {
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
  param: string | undefined;
}

type Adjustment = 'json_object' | 'max_completion_tokens' | 'default_temperature';

/**
 * A 400 that says one request field is not supported by this endpoint or model, and what to send
 * instead. OpenAI's reasoning models refuse `max_tokens` and `temperature: 0`; many compatible
 * servers do not implement `json_schema` response formats.
 */
function adjustmentFor(status: number, e: ProviderError): Adjustment | undefined {
  if (status !== 400 && status !== 422) return undefined;
  const text = `${e.param ?? ''} ${e.message ?? ''}`;
  if (e.param === 'max_tokens' || /max_completion_tokens/.test(text)) return 'max_completion_tokens';
  if (e.param === 'temperature' || /\btemperature\b/i.test(text)) return 'default_temperature';
  if (e.param?.startsWith('response_format') || /response_format|json_schema|structured output/i.test(text)) return 'json_object';
  return undefined;
}

function providerError(body: string): ProviderError {
  try {
    const j: unknown = JSON.parse(body);
    const e = j && typeof j === 'object' && 'error' in j ? (j as { error: unknown }).error : undefined;
    // Some servers answer {"error": "text"} instead of OpenAI's {"error": {"message", "type", "code"}}.
    if (typeof e === 'string') return { message: e, type: undefined, code: undefined, param: undefined };
    if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
      return { message: str(o.message), type: str(o.type), code: str(o.code), param: str(o.param) };
    }
  } catch {
    // Not JSON: a proxy's HTML page, say. Quote the start of it.
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return { message: text || undefined, type: undefined, code: undefined, param: undefined };
}

const clip = (s: string) => (s.length > MAX_ERROR_TEXT ? `${s.slice(0, MAX_ERROR_TEXT - 1)}…` : s);

/** One OpenAI-compatible Chat Completions endpoint. Remembers which request shape the endpoint accepts. */
export class JudgeClient {
  readonly url: string;
  private readonly adjustments = new Set<Adjustment>();

  constructor(private readonly config: ClientConfig) {
    this.url = `${config.baseUrl}/chat/completions`;
  }

  /** Replaces the key wherever a provider echoes it back, so it never reaches a decision or log. */
  private scrub(s: string): string {
    const key = this.config.apiKey;
    return key && key.length >= 4 ? s.split(key).join('[API KEY]') : s;
  }

  private fail(message: string, details: Record<string, unknown>, code: 'BRIDLE_E_CONNECTOR' | 'BRIDLE_E_CONNECTOR_TIMEOUT' = 'BRIDLE_E_CONNECTOR'): BridleError {
    return new BridleError(code, this.scrub(`llm_judge: ${message}`), { url: this.url, ...details });
  }

  private body(messages: ChatMessage[]): Record<string, unknown> {
    const a = this.adjustments;
    return {
      model: this.config.model,
      messages,
      ...(a.has('default_temperature') ? {} : { temperature: 0 }),
      [a.has('max_completion_tokens') ? 'max_completion_tokens' : 'max_tokens']: this.config.maxTokens,
      response_format: a.has('json_object')
        ? { type: 'json_object' }
        : { type: 'json_schema', json_schema: { name: 'judgement', strict: true, schema: JUDGE_REPLY_SCHEMA } },
    };
  }

  /** Sends the messages; throws a BridleError on any failure, with the status and the provider's message. */
  async complete(messages: ChatMessage[], signal: AbortSignal): Promise<Completion> {
    const backstop = AbortSignal.timeout(BACKSTOP_TIMEOUT_MS);
    const both = AbortSignal.any([signal, backstop]);
    // Each adjustment is made at most once, so this ends after at most four requests.
    for (;;) {
      const { status, text } = await this.post(messages, both, signal);
      if (status >= 200 && status < 300) return this.parse(text);
      const e = providerError(text);
      const fix = adjustmentFor(status, e);
      if (fix && !this.adjustments.has(fix)) {
        this.adjustments.add(fix);
        continue;
      }
      const what = [e.type, e.code].filter(Boolean).join(', ');
      const said = e.message ? `: ${clip(e.message)}` : '';
      throw this.fail(`judge answered HTTP ${status}${said}${what ? ` (${what})` : ''}`, { status, type: e.type, code: e.code });
    }
  }

  private async post(messages: ChatMessage[], both: AbortSignal, caller: AbortSignal): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { ...this.config.headers, 'content-type': 'application/json', accept: 'application/json' };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    try {
      const res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(this.body(messages)), signal: both });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      if (both.aborted) {
        const why = caller.aborted ? 'the request was aborted (the check timed out)' : `no answer within ${BACKSTOP_TIMEOUT_MS} ms`;
        throw this.fail(why, {}, 'BRIDLE_E_CONNECTOR_TIMEOUT');
      }
      // fetch() reports "fetch failed" and puts the reason (ECONNREFUSED, DNS…) in `cause`.
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
      throw this.fail(`cannot reach the judge at ${this.url}: ${cause}`, {});
    }
  }

  private parse(text: string): Completion {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      throw this.fail(`the judge's response is not JSON: ${clip(text.replace(/\s+/g, ' ').trim())}`, {});
    }
    const r = (j && typeof j === 'object' ? j : {}) as { choices?: unknown; model?: unknown; usage?: { total_tokens?: unknown } };
    const choice = Array.isArray(r.choices) ? (r.choices[0] as { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown } | undefined) : undefined;
    const content = choice?.message?.content;
    if (typeof choice?.message?.refusal === 'string' && choice.message.refusal) throw this.fail(`the judge refused: ${clip(choice.message.refusal)}`, {});
    if (typeof content !== 'string' || content.trim() === '') throw this.fail('the judge\'s response has no choices[0].message.content', {});
    // A reply cut off at max_tokens is not valid JSON; say why rather than "malformed".
    if (choice?.finish_reason === 'length') throw this.fail('the judge\'s reply was cut off at max_tokens; raise max_tokens', {});
    const total = r.usage?.total_tokens;
    return { content, model: typeof r.model === 'string' && r.model ? r.model : this.config.model, totalTokens: typeof total === 'number' ? total : undefined };
  }
}
