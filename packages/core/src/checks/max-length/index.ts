import { z } from 'zod';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import type { JsonObject } from '../../json.js';
import { measure } from './count.js';
import {
  KNOWN_PLATFORMS,
  PLATFORM_RULES,
  REDDIT_TITLE_FIELD,
  REDDIT_TITLE_RULE,
  platformKey,
  resolvePlatform,
  type LengthRule,
} from './platforms.js';

export { countLength } from './count.js';
export { resolvePlatform, PLATFORM_RULES, type Platform } from './platforms.js';

const limitsSchema = z.record(z.string().trim().min(1), z.number().int().positive());

export const maxLengthOptions = z
  .object({
    /** Parameter holding the post text. */
    field: z.string().min(1).default('text'),
    /** Parameter naming the platform, read when `platform` is not fixed. */
    platform_field: z.string().min(1).default('platform'),
    /** Fixed platform, for action types that only ever post to one. */
    platform: z.string().trim().min(1).optional(),
    /** Per-platform limits that override the built-in ones or add platforms. */
    limits: limitsSchema.optional(),
    /** Limit in characters (code points) when the platform is unknown or not given. */
    max: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const keys = new Map<string, string>();
    for (const name of Object.keys(o.limits ?? {})) {
      const key = platformKey(name);
      const other = keys.get(key);
      if (other !== undefined) {
        const message = `"${name}" and "${other}" name the same platform; keep one`;
        ctx.addIssue({ code: 'custom', path: ['limits', name], message });
      }
      keys.set(key, name);
    }
    // A typo in a fixed platform would otherwise fail every post, or silently fall back to max.
    const fixed = o.platform;
    if (fixed !== undefined && resolvePlatform(fixed) === undefined && !keys.has(platformKey(fixed))) {
      ctx.addIssue({
        code: 'custom',
        path: ['platform'],
        message: `unknown platform "${fixed}"; use one of ${KNOWN_PLATFORMS}, or give its limit under limits`,
      });
    }
  });

export type MaxLengthOptions = z.output<typeof maxLengthOptions>;

function fail(score: number, findings: Finding[]): CheckResult {
  return { passed: false, score, reason: findings.map((f) => f.message).join('; '), findings };
}

/** Checks one string against one rule; returns the score (1 if within) and adds any finding. */
function checkText(rule: LengthRule, field: string, text: string, findings: Finding[]): number {
  const m = measure(rule.counting, text, rule.limit);
  if (m.overAt < 0) return 1;
  const who = rule.name === '' ? 'the limit is' : `${rule.name} allows`;
  findings.push({
    message: `${who} ${rule.limit} ${rule.unit}; this has ${m.length}`,
    field,
    span: { start: m.overAt, end: text.length },
  });
  return rule.limit / m.length;
}

function problem(value: JsonObject[string] | undefined): string {
  if (value === undefined) return 'is missing';
  if (typeof value === 'string') return 'is empty';
  return `must be a string, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
}

/**
 * `max_length`: the post fits the target platform's length limit, counted the way that
 * platform counts (X: twitter-text weighted length; TikTok: UTF-16 units; others: characters).
 *
 * @example
 *   checks:
 *     - max_length: {}                                   # platform from params.platform
 *     - max_length: { platform: linkedin, field: body }
 *     - max_length: { limits: { x: 25000, bluesky: 300 }, max: 1000 }
 */
export const maxLength = defineCheck({
  name: 'max_length',
  description: 'Post text fits the per-platform length limit (X weighted count, Instagram, TikTok, LinkedIn, Reddit).',
  options: maxLengthOptions,
  create(options) {
    const { field, platform_field: platformField } = options;
    const rules = new Map<string, LengthRule>(Object.values(PLATFORM_RULES).map((r) => [r.name, r]));
    for (const [name, limit] of Object.entries(options.limits ?? {})) {
      const key = platformKey(name);
      // Platforms added here count characters, the usual unit; overrides keep the built-in unit.
      const base = rules.get(key) ?? { name: key, limit, counting: 'code_points', unit: 'characters' };
      rules.set(key, { ...base, limit });
    }
    const fixed = options.platform === undefined ? undefined : rules.get(platformKey(options.platform));
    const fallback: LengthRule | undefined =
      options.max === undefined ? undefined : { name: '', limit: options.max, counting: 'code_points', unit: 'characters' };

    return {
      name: 'max_length',
      sync: true,
      run(input): CheckResult {
        const params = input.params;
        let rule = fixed;
        const named = params[platformField];
        if (rule === undefined && typeof named === 'string' && named.trim() !== '') {
          rule = rules.get(platformKey(named)) ?? fallback;
          if (rule === undefined) {
            const message = `unknown platform "${named}" and no max set; known: ${KNOWN_PLATFORMS}`;
            return fail(0, [{ message, field: platformField }]);
          }
        }
        rule ??= fallback;
        if (rule === undefined) {
          const message = `no platform: param "${platformField}" ${problem(named)} and no max set`;
          return fail(0, [{ message, field: platformField }]);
        }

        const text = params[field];
        if (typeof text !== 'string') return fail(0, [{ message: `param "${field}" ${problem(text)}`, field }]);
        const findings: Finding[] = [];
        let score = checkText(rule, field, text, findings);
        if (rule.name === 'reddit') {
          const title = params[REDDIT_TITLE_FIELD];
          if (typeof title === 'string') {
            score = Math.min(score, checkText(REDDIT_TITLE_RULE, REDDIT_TITLE_FIELD, title, findings));
          } else if (title !== undefined) {
            findings.push({ message: `param "${REDDIT_TITLE_FIELD}" ${problem(title)}`, field: REDDIT_TITLE_FIELD });
            score = 0;
          }
        }
        if (findings.length > 0) return fail(score, findings);
        const reason = `within the ${rule.name || 'configured'} limit of ${rule.limit} ${rule.unit}`;
        return { passed: true, score: 1, reason, findings };
      },
    };
  },
});
