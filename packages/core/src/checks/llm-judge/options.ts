import { z } from 'zod';

/** Default endpoint: OpenAI's. Any OpenAI-compatible server works (Ollama, vLLM, LiteLLM, OpenRouter…). */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

const required = (name: string, what: string) =>
  z.string({ error: (i) => (i.input === undefined ? `${name} is required: ${what}` : `${name} must be text`) }).trim().min(1, { error: `${name} is empty: ${what}` });

// Headers that carry credentials: a key written into bridle.yaml ends up in git and in every
// policy backup, so the only way to pass one is api_key_env.
const CREDENTIAL_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization']);
// Set by the check itself; overriding them would break the request.
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host']);

const baseUrl = z
  .string()
  .trim()
  .default(OPENAI_BASE_URL)
  .transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: `base_url "${raw}" is not a URL; use e.g. ${OPENAI_BASE_URL} or http://127.0.0.1:11434/v1 (Ollama)` });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `base_url must be http or https, got ${url.protocol}` });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'base_url must not contain credentials; put the key in an environment variable and name it in api_key_env' });
      return z.NEVER;
    }
    if (url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'base_url must not have a query or fragment: the check appends /chat/completions to it' });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, '');
  });

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'header names use letters, digits and - (RFC 9110 token characters)' });

export const llmJudgeOptions = z
  .strictObject(
    {
      /** What good content looks like, in plain words: the judge scores against this. */
      rubric: required('rubric', 'describe what acceptable content looks like').max(20_000, { error: 'rubric is longer than 20,000 characters' }),
      /** The OpenAI-compatible API root; the check POSTs to `${base_url}/chat/completions`. */
      base_url: baseUrl,
      /** The judge model, e.g. gpt-4o-mini, or llama3.1 on Ollama. */
      model: required('model', 'name the judge model, e.g. gpt-4o-mini or llama3.1'),
      /** NAME of the environment variable holding the API key; leave out for servers without auth (Ollama). */
      api_key_env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'api_key_env is the NAME of an environment variable holding the key (e.g. OPENAI_API_KEY), never the key itself' })
        .optional(),
      /** Pass when the judge's score is at least this. */
      threshold: z.number({ error: 'threshold must be a number from 0 to 1' }).min(0, { error: 'threshold must be at least 0' }).max(1, { error: 'threshold must be at most 1' }).default(0.7),
      /** Top-level params to judge; missing or non-string ones are skipped. */
      fields: z.array(z.string().min(1)).min(1, { error: 'fields needs at least one parameter name' }).default(['text']),
      /** Upper bound on the judge's reply, in tokens: the reply is a small JSON object. */
      max_tokens: z.number().int({ error: 'max_tokens must be a whole number' }).min(16, { error: 'max_tokens below 16 cannot hold a verdict' }).max(32_768).default(1024),
      /** Extra request headers, e.g. OpenAI-Organization or OpenRouter's HTTP-Referer. No credentials. */
      headers: z.record(headerName, z.string()).optional(),
      /** Known-good and known-bad content, shown to the judge to calibrate it. */
      examples: z
        .strictObject({ good: z.array(z.string().trim().min(1)).default([]), bad: z.array(z.string().trim().min(1)).default([]) })
        .refine((e) => e.good.length + e.bad.length > 0, { error: 'examples needs at least one good or bad example (or leave it out)' })
        .optional(),
    },
    {
      error: (i) =>
        i.code === 'unrecognized_keys' && i.keys.some((k) => /^(api_?key|key|token)$/i.test(k))
          ? `${i.keys.join(', ')}: never put the API key in the policy; export it as an environment variable and name that variable in api_key_env`
          : undefined,
    },
  )
  .superRefine((o, ctx) => {
    for (const name of Object.keys(o.headers ?? {})) {
      const lower = name.toLowerCase();
      if (CREDENTIAL_HEADERS.has(lower)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `${name} carries a credential; name an environment variable in api_key_env instead` });
      else if (RESERVED_HEADERS.has(lower)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `${name} is set by the check itself` });
    }
    if (!o.api_key_env && new URL(o.base_url).hostname === 'api.openai.com') {
      ctx.addIssue({ code: 'custom', path: ['api_key_env'], message: 'api.openai.com needs an API key: set api_key_env to the name of the variable holding it, e.g. OPENAI_API_KEY' });
    }
  });

export type LlmJudgeOptions = z.output<typeof llmJudgeOptions>;
