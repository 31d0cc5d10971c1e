import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BridleError } from '@bridle/core';
import { PLATFORMS } from './platforms.js';

const platform = z.enum(PLATFORMS);
const text = z.string().trim().min(1);

/**
 * `brand.yaml`: who the agent writes as. The writer follows `voice` and imitates `examples`;
 * `banned_phrases` and `competitors` are the brand's own view, and Bridle's policy enforces its
 * own lists whatever the agent does.
 *
 * @example
 *   name: Acme Coffee
 *   voice: Warm, curious, a little nerdy about coffee.
 *   topics: [brewing tips, new origins]
 *   banned_phrases: [guaranteed returns]
 *   competitors: [Starbucks]
 *   examples: [{ platform: x, text: "Bright, floral, a little jammy. ☕" }]
 */
export const brandSchema = z
  .object({
    name: text,
    /** Used in Reddit disclosures and link fallbacks. */
    handle: z.string().regex(/^[A-Za-z0-9_]{1,30}$/, 'a handle without @').optional(),
    voice: text.max(4000),
    audience: text.max(2000).optional(),
    topics: z.array(text).min(1),
    banned_phrases: z.array(text).default([]),
    competitors: z.array(text).default([]),
    hashtags: z.array(z.string().regex(/^[\p{L}\p{N}_]+$/u, 'a hashtag without #, letters, digits and _ only')).default([]),
    /** The brand's site: offered to the writer as the default link. */
    link: z.url({ protocol: /^https?$/ }).optional(),
    examples: z.array(z.object({ platform, text: text.max(40_000), title: text.max(300).optional() }).strict()).default([]),
    /** Reddit needs a community to post in. */
    reddit: z.object({ subreddit: z.string().regex(/^[A-Za-z0-9_]{2,21}$/, 'a subreddit name without r/') }).strict().optional(),
  })
  .strict();

export type Brand = z.output<typeof brandSchema>;

/** Turns zod issues into one readable line per problem, naming the file and field path. */
export function describeIssues(file: string, error: z.ZodError): string {
  return error.issues.map((i) => `${file}: ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}

/** Reads and parses a YAML file, turning a missing file or bad YAML into BRIDLE_E_CONFIG. */
export function readYaml(file: string): unknown {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BridleError('BRIDLE_E_CONFIG', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  try {
    return parseYaml(raw, { prettyErrors: true });
  } catch (e) {
    throw new BridleError('BRIDLE_E_CONFIG', `${file} is not valid YAML: ${(e as Error).message}`, { file });
  }
}

/** Validates a brand profile already parsed from YAML or built in code. */
export function parseBrand(value: unknown, file = 'brand'): Brand {
  const r = brandSchema.safeParse(value);
  if (!r.success) throw new BridleError('BRIDLE_E_CONFIG', `the brand profile is invalid:\n${describeIssues(file, r.error)}`, { file });
  return r.data;
}

/** Loads `brand.yaml`. */
export function loadBrand(file: string): Brand {
  return parseBrand(readYaml(file), file);
}

/** The sample brand shipped beside the package (Acme Coffee, the demo's brand). */
export const SAMPLE_BRAND_FILE = fileURLToPath(new URL('../brand.yaml', import.meta.url));
/** The sample content calendar shipped beside the package. */
export const SAMPLE_CALENDAR_FILE = fileURLToPath(new URL('../calendar.yaml', import.meta.url));
