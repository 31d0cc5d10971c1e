import { z } from 'zod';
import { checkItem } from './check-item.js';

/**
 * `gateway:` in bridle.yaml: the LLM gateway door (OpenAI- and Anthropic-compatible endpoints).
 * Provider keys are named by environment variable, never written in the policy: the policy is
 * hashed into every audit entry and often committed to a repository.
 *
 * @example
 *   gateway:
 *     providers:
 *       openai: { kind: openai, api_key_env: OPENAI_API_KEY }
 *       claude: { kind: anthropic, api_key_env: ANTHROPIC_API_KEY }
 *     models:
 *       smart: { targets: [{ provider: openai, model: gpt-4o }, { provider: claude, model: claude-sonnet-4-5 }] }
 */

const ident = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'names use letters, digits, ".", "_" and "-" (max 63)');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. OPENAI_API_KEY');
const perMtok = z.number().min(0).max(10_000);

export const providerKinds = ['openai', 'anthropic', 'gemini'] as const;
export type ProviderKind = (typeof providerKinds)[number];

const defaultBaseUrl: Record<ProviderKind, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
};

export const providerSchema = z
  .object({
    /** Wire format: openai (OpenAI, Azure OpenAI, Ollama, vLLM, Groq, …), anthropic, gemini. */
    kind: z.enum(providerKinds),
    /** Defaults to the vendor's public endpoint for the kind. */
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    /** Where the key is read from at start-up; absent for keyless local servers (Ollama, vLLM). */
    api_key_env: envName.optional(),
    /** The header carrying the key when it is not the kind's usual one (Azure OpenAI: `api-key`). */
    api_key_header: z.string().min(1).optional(),
    /** Extra headers sent upstream (e.g. `anthropic-beta`), never secrets. */
    headers: z.record(z.string(), z.string()).default({}),
    /** Extra query parameters (Azure OpenAI: `api-version`). */
    query: z.record(z.string(), z.string()).default({}),
    /** Anthropic's `anthropic-version` header. */
    anthropic_version: z.string().default('2023-06-01'),
  })
  .strict()
  .transform((p) => ({ ...p, base_url: (p.base_url ?? defaultBaseUrl[p.kind]).replace(/\/+$/, '') }));

const target = z.object({ provider: ident, model: z.string().min(1).max(200) }).strict();

export const modelRouteSchema = z
  .object({
    /** Tried in order: the next one is used on 429, 5xx, timeout or connection error before the first byte. */
    targets: z.array(target).min(1),
    /** The model (a key of `models`) to use instead when the budget guard signals pressure. */
    downgrade_to: z.string().min(1).optional(),
  })
  .strict();

export const modelPriceSchema = z
  .object({
    input_usd_per_mtok: perMtok,
    output_usd_per_mtok: perMtok,
    cached_input_usd_per_mtok: perMtok.optional(),
  })
  .strict();
export type ModelPrice = z.output<typeof modelPriceSchema>;

export const gatewaySchema = z
  .object({
    /** The action type every model call is recorded as; it must exist under `actions:` and allow authorize mode. */
    action_type: ident.default('llm.chat'),
    providers: z.record(ident, providerSchema),
    /** Model names agents may ask for, each routed to a chain of provider targets. */
    models: z.record(z.string().min(1).max(200), modelRouteSchema).default({}),
    /** Where a model not listed under `models` goes (same model name); absent: unlisted models are refused. */
    default_provider: ident.optional(),
    /** Per-model prices (USD per million tokens), over the built-in price table. */
    prices: z.record(z.string().min(1), modelPriceSchema).default({}),
    /** A model with no known price: `block` (default) refuses the call; a price charges that. */
    unknown_model_price: z.union([z.literal('block'), modelPriceSchema]).default('block'),
    retry: z
      .object({
        /** Retries on the same target before falling back to the next. */
        max_retries: z.number().int().min(0).max(10).default(1),
        base_ms: z.number().int().min(1).max(60_000).default(200),
        max_ms: z.number().int().min(1).max(120_000).default(5_000),
      })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        connect_ms: z.number().int().positive().max(120_000).default(10_000),
        /** Time to response headers (non-streaming: to the whole body). */
        first_byte_ms: z.number().int().positive().max(600_000).default(60_000),
        total_ms: z.number().int().positive().max(3_600_000).default(600_000),
      })
      .strict()
      .prefault({}),
    /** Per-provider circuit breaker: open after `failures` errors within `window_s`, probe after `cooldown_s`. */
    breaker: z
      .object({
        failures: z.number().int().min(1).max(1000).default(5),
        window_s: z.number().int().min(1).max(3600).default(30),
        cooldown_s: z.number().int().min(1).max(3600).default(30),
      })
      .strict()
      .prefault({}),
    /** Checks run on the model's output before it reaches the agent (same syntax as `actions.*.checks`; the text is in field `text`). */
    output_checks: z.array(checkItem).default([]),
    /** Streams are checked over windows of this many characters; nothing past a failing window is sent. */
    stream_window_chars: z.number().int().min(16).max(100_000).default(256),
    /** When an output check fails with on_fail: retry_with_feedback, ask the model again with the findings, at most this many times. */
    reask_max: z.number().int().min(0).max(5).default(1),
    /** Message roles whose content is untrusted (checked by input checks on field `untrusted`). */
    untrusted_roles: z.array(z.enum(['system', 'user', 'assistant', 'tool', 'developer'])).default(['tool']),
    audit: z
      .object({
        /** full: request and response bodies kept; metadata: only hashes, sizes, tokens and cost. */
        record: z.enum(['full', 'metadata']).default('full'),
        /** Body fields replaced by "[REDACTED]" before storage (JSON pointers such as /messages/0/content). */
        redact_paths: z.array(z.string().startsWith('/')).default([]),
        /** Stored bodies are deleted after this many days (their hashes stay in the audit chain). */
        retention_days: z.number().int().min(1).max(3650).default(30),
      })
      .strict()
      .prefault({}),
    /** Largest request body the gateway accepts, in bytes. */
    max_request_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  })
  .strict()
  .superRefine((g, ctx) => {
    for (const [name, route] of Object.entries(g.models)) {
      route.targets.forEach((t, i) => {
        if (!(t.provider in g.providers)) ctx.addIssue({ code: 'custom', path: ['models', name, 'targets', i, 'provider'], message: `unknown provider "${t.provider}" (known: ${Object.keys(g.providers).join(', ') || 'none'})` });
      });
      if (route.downgrade_to !== undefined && !(route.downgrade_to in g.models)) ctx.addIssue({ code: 'custom', path: ['models', name, 'downgrade_to'], message: `downgrade_to names "${route.downgrade_to}", which is not under gateway.models` });
    }
    if (g.default_provider !== undefined && !(g.default_provider in g.providers)) ctx.addIssue({ code: 'custom', path: ['default_provider'], message: `unknown provider "${g.default_provider}"` });
  });

export type GatewayConfig = z.output<typeof gatewaySchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
