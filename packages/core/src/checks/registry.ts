import type { CheckDefinition } from './types.js';
import { maxLength } from './max-length/index.js';
import { bannedPhrases } from './banned-phrases/index.js';
import { codePerf } from './code-perf/index.js';
import { codeSecurity } from './code-security/index.js';
import { competitors } from './competitors/index.js';
import { jsonSchema } from './json-schema/index.js';
import { llmJudge } from './llm-judge/index.js';
import { pii } from './pii/index.js';
import { profanity } from './profanity/index.js';
import { promptInjection } from './prompt-injection/index.js';
import { regex } from './regex/index.js';
import { secrets } from './secrets/index.js';
import { sentiment } from './sentiment/index.js';
import { typecheck } from './typecheck/index.js';
import { urlAllowlist } from './url-allowlist/index.js';

/**
 * The typed registry of check kinds. The policy schema is built from it, so a check named in
 * bridle.yaml that is not here is a load error, never a silent no-op.
 */
export const checkRegistry = {
  max_length: maxLength,
  banned_phrases: bannedPhrases,
  json_schema: jsonSchema,
  sentiment,
  pii,
  secrets,
  profanity,
  competitors,
  regex,
  url_allowlist: urlAllowlist,
  llm_judge: llmJudge,
  typecheck,
  code_security: codeSecurity,
  code_perf: codePerf,
  prompt_injection: promptInjection,
} as const satisfies Record<string, CheckDefinition>;

export type CheckKind = keyof typeof checkRegistry;
export const checkKinds = Object.keys(checkRegistry) as CheckKind[];
