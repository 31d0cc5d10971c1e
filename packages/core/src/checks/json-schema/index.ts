import { z } from 'zod';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonObject } from '../../json.js';
import { BridleError } from '../../errors.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { compileSchema } from './compile.js';
import { formatPath, pointerSegments } from './paths.js';

export { compileSchema } from './compile.js';

/**
 * Validators compiled while parsing options, keyed by the parsed `schema` object. The parsed
 * options stay plain JSON, because the policy version is the hash of the parsed document and
 * policies are shown and exported; `create()` picks the validator up here instead of compiling
 * the schema a second time. Weak, so a policy that fails to load or is replaced frees its own.
 */
const compiled = new WeakMap<object, ValidateFunction>();

export const jsonSchemaOptions = z
  .object({
    /** A JSON Schema (draft-07 unless `$schema` says 2019-09 or 2020-12), compiled in Ajv strict mode. */
    schema: z.record(z.string(), z.json()).superRefine((schema, ctx) => {
      const result = compileSchema(schema as JsonObject);
      if ('validate' in result) compiled.set(schema, result.validate);
      else for (const issue of result.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }),
    /** Validate this one top-level param instead of the whole params object. */
    field: z.string().min(1).optional(),
    /** At most this many findings; the reason still counts them all. */
    max_errors: z.number().int().positive().max(1000).default(10),
  })
  .strict();

export type JsonSchemaOptions = z.output<typeof jsonSchemaOptions>;

/** `params.amount`, `params.items.0.sku`, `params["a.b"]`, or `params` itself. */
function describe(field: string): string {
  if (field === '') return 'params';
  return field.startsWith('[') ? `params${field}` : `params.${field}`;
}

function finding(segments: readonly string[], text: string): Finding {
  const field = formatPath(segments);
  return { message: `${describe(field)} ${text}`, ...(field === '' ? {} : { field }) };
}

function show(values: readonly unknown[]): string {
  const shown = values.slice(0, 10).map((v) => JSON.stringify(v));
  return shown.join(', ') + (values.length > 10 ? `, … (${values.length - 10} more)` : '');
}

/** Ajv's error as a finding on the param it is about (the missing or extra key, not its parent). */
function toFinding(e: ErrorObject, base: readonly string[]): Finding {
  const at = [...base, ...pointerSegments(e.instancePath)];
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return finding([...at, String(p.missingProperty)], 'is required');
    case 'additionalProperties':
      return finding([...at, String(p.additionalProperty)], 'is not allowed');
    case 'unevaluatedProperties':
      return finding([...at, String(p.unevaluatedProperty)], 'is not allowed');
    case 'false schema':
      return finding(at, 'is not allowed');
    case 'enum':
      return finding(at, `must be one of ${show(p.allowedValues as unknown[])}`);
    case 'const':
      return finding(at, `must be ${JSON.stringify(p.allowedValue)}`);
    default:
      return finding(at, e.message ?? `fails "${e.keyword}"`);
  }
}

function fail(findings: Finding[], total: number): CheckResult {
  const messages = findings.map((f) => f.message);
  if (total > findings.length) messages.push(`and ${total - findings.length} more`);
  const reason = total === 1 ? messages.join('') : `${total} schema errors: ${messages.join('; ')}`;
  return { passed: false, score: 0, reason, findings, category: 'schema' };
}

/**
 * `json_schema`: the action's params (or one param) match a JSON Schema written in the policy,
 * typically a tool's input schema. The schema is compiled when the policy loads, so a typo in
 * it (`tpye`, a bad `$ref`, an unknown `format`) stops start-up instead of passing everything.
 * Formats are not bundled: a schema using `format` is rejected at load.
 *
 * @example
 *   checks:
 *     - json_schema:
 *         schema:
 *           type: object
 *           properties: { amount: { type: integer, maximum: 10000 }, currency: { enum: [usd, eur] } }
 *           required: [amount, currency]
 *           additionalProperties: false
 */
export const jsonSchema = defineCheck({
  name: 'json_schema',
  description: 'Validates the action params, or one param, against a JSON Schema given in the policy.',
  options: jsonSchemaOptions,
  create(options) {
    let validate = compiled.get(options.schema);
    if (!validate) {
      // Options built without parsing (or cloned after it) get the same checks, thrown instead.
      const result = compileSchema(options.schema as JsonObject);
      if (!('validate' in result)) {
        const problems = result.issues.map((i) => `${['schema', ...i.path].join('.')}: ${i.message}`);
        throw new BridleError('BRIDLE_E_POLICY_INVALID', `json_schema: invalid schema: ${problems.join('; ')}`);
      }
      validate = result.validate;
    }
    const { field, max_errors: maxErrors } = options;
    const base = field === undefined ? [] : [field];

    return {
      name: 'json_schema',
      sync: true,
      run(input): CheckResult {
        const value = field === undefined ? input.params : input.params[field];
        if (value === undefined) return fail([finding(base, 'is missing')], 1);
        if (validate(value)) return { passed: true, score: 1, reason: 'params match the schema', findings: [] };
        const errors = validate.errors ?? [];
        return fail(errors.slice(0, maxErrors).map((e) => toFinding(e, base)), errors.length);
      },
    };
  },
});
