import type { z } from 'zod';
import { BridleError } from '../errors.js';
import type { Check, CheckDefinition } from './types.js';
import { maxLength } from './max-length/index.js';
import { bannedPhrases } from './banned-phrases/index.js';
import { competitors } from './competitors/index.js';
import { jsonSchema } from './json-schema/index.js';
import { llmJudge } from './llm-judge/index.js';
import { regex } from './regex/index.js';
import { typecheck } from './typecheck/index.js';
import { urlAllowlist } from './url-allowlist/index.js';
import { piiOptions } from './pii/options.js';
import { secretsOptions } from './secrets/options.js';
import { profanityOptions } from './profanity/options.js';
import { sentimentOptions } from './sentiment/options.js';
import { promptInjectionOptions } from './prompt-injection/options.js';
import { codeSecurityOptions } from './code-security/options.js';
import { codePerfOptions } from './code-perf/options.js';

type Factory = (options: never) => Check;

/**
 * A check kind as the registry holds it: what validating a policy needs (its options schema and
 * defaults) at once, and its implementation on demand. Detectors with large tables or native
 * parsers (pii, secrets, profanity, sentiment, prompt injection, the ast-grep code checks) cost
 * 3–8 MB each to import; a server whose policy uses none of them should not carry them.
 */
export interface RegisteredCheck<S extends z.ZodType = z.ZodType> {
  readonly options: S;
  readonly defaults?: CheckDefinition['defaults'];
  load(): Promise<CheckDefinition<S>['create']>;
}

function eager<S extends z.ZodType>(def: CheckDefinition<S>): RegisteredCheck<S> {
  return { options: def.options, ...(def.defaults ? { defaults: def.defaults } : {}), load: async () => def.create };
}

/**
 * The typed registry of check kinds. The policy schema is built from it, so a check named in
 * bridle.yaml that is not here is a load error, never a silent no-op.
 */
export const checkRegistry = {
  max_length: eager(maxLength),
  banned_phrases: eager(bannedPhrases),
  json_schema: eager(jsonSchema),
  sentiment: { options: sentimentOptions, load: async () => (await import('./sentiment/index.js')).sentiment.create },
  pii: { options: piiOptions, load: async () => (await import('./pii/index.js')).pii.create },
  secrets: { options: secretsOptions, load: async () => (await import('./secrets/index.js')).secrets.create },
  profanity: { options: profanityOptions, load: async () => (await import('./profanity/index.js')).profanity.create },
  competitors: eager(competitors),
  regex: eager(regex),
  url_allowlist: eager(urlAllowlist),
  llm_judge: eager(llmJudge),
  typecheck: eager(typecheck),
  code_security: { options: codeSecurityOptions, load: async () => (await import('./code-security/index.js')).codeSecurity.create },
  code_perf: { options: codePerfOptions, load: async () => (await import('./code-perf/index.js')).codePerf.create },
  prompt_injection: { options: promptInjectionOptions, defaults: { timeoutMs: 2000 }, load: async () => (await import('./prompt-injection/index.js')).promptInjection.create },
} as const satisfies Record<string, RegisteredCheck>;

export type CheckKind = keyof typeof checkRegistry;
export const checkKinds = Object.keys(checkRegistry) as CheckKind[];

const factories = new Map<CheckKind, Factory>();

/** Loads the implementations of these check kinds (once each); `createCheck` needs it first. */
export async function loadChecks(kinds: Iterable<CheckKind>): Promise<void> {
  const missing = [...new Set(kinds)].filter((k) => !factories.has(k));
  const loaded = await Promise.all(missing.map((k) => (checkRegistry[k] as RegisteredCheck).load()));
  missing.forEach((k, i) => factories.set(k, loaded[i] as Factory));
}

/** An instance of a check kind whose implementation `loadChecks` has loaded. */
export function createCheck(kind: CheckKind, options: unknown): Check {
  const f = factories.get(kind);
  if (!f) throw new BridleError('BRIDLE_E_INTERNAL', `check "${kind}" was used before its implementation was loaded (loadChecks)`);
  return f(options as never);
}
