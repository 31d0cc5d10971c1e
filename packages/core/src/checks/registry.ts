import type { CheckDefinition } from './types.js';
import { maxLength } from './max-length/index.js';
import { bannedPhrases } from './banned-phrases/index.js';
import { jsonSchema } from './json-schema/index.js';
import { sentiment } from './sentiment/index.js';

/**
 * The typed registry of check kinds. The policy schema is built from it, so a check named in
 * bridle.yaml that is not here is a load error, never a silent no-op.
 */
export const checkRegistry = {
  max_length: maxLength,
  banned_phrases: bannedPhrases,
  json_schema: jsonSchema,
  sentiment,
} as const satisfies Record<string, CheckDefinition>;

export type CheckKind = keyof typeof checkRegistry;
export const checkKinds = Object.keys(checkRegistry) as CheckKind[];
