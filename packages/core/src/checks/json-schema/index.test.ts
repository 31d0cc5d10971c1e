import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { canonicalJson } from '../../json.js';
import { jsonSchema, jsonSchemaOptions } from './index.js';
import { formatPath, pointerSegments } from './paths.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = jsonSchema.create(jsonSchemaOptions.parse(raw));
  const result = check.run({ agentId: 'a', actionType: 'payments.refund', params }, signal);
  if (result instanceof Promise) throw new Error('json_schema must be synchronous');
  return result;
}

/** Each issue of a failed options parse as `path: message`. */
function optionErrors(raw: unknown): string[] {
  const r = jsonSchemaOptions.safeParse(raw);
  if (r.success) throw new Error('expected the options to be rejected');
  return r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
}

const refund = {
  type: 'object',
  properties: {
    amount: { type: 'integer', minimum: 1, maximum: 10000 },
    currency: { enum: ['usd', 'eur'] },
    reason: { type: ['string', 'null'], maxLength: 20 },
    items: {
      type: 'array',
      maxItems: 3,
      items: {
        type: 'object',
        properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' } },
        required: ['sku'],
        additionalProperties: false,
      },
    },
  },
  required: ['amount', 'currency'],
  additionalProperties: false,
};

describe('json_schema validation', () => {
  it('passes params that match, including union types such as string-or-null', () => {
    const params = { amount: 500, currency: 'usd', reason: null, items: [{ sku: 'ABC-1' }] };
    expect(run({ schema: refund }, params)).toEqual({ passed: true, score: 1, reason: 'params match the schema', findings: [] });
    expect(run({ schema: refund }, { amount: 1, currency: 'eur', reason: 'damaged' }).passed).toBe(true);
  });

  it('reports one finding per error, on the param it is about, with a readable message', () => {
    const r = run(
      { schema: refund },
      { amount: 20000, currency: 'gbp', reason: 7, items: [{ sku: 'abc' }, { qty: 2 }], note: 'hi' },
    );
    expect(r).toMatchObject({ passed: false, score: 0, category: 'schema' });
    expect(r.findings).toEqual([
      { message: 'params.note is not allowed', field: 'note' },
      { message: 'params.amount must be <= 10000', field: 'amount' },
      { message: 'params.currency must be one of "usd", "eur"', field: 'currency' },
      { message: 'params.reason must be string,null', field: 'reason' },
      { message: 'params.items.0.sku must match pattern "^[A-Z]{3}-\\d+$"', field: 'items.0.sku' },
      { message: 'params.items.1.sku is required', field: 'items.1.sku' },
      { message: 'params.items.1.qty is not allowed', field: 'items.1.qty' },
    ]);
    expect(r.reason).toBe(`7 schema errors: ${r.findings.map((f) => f.message).join('; ')}`);
  });

  it('uses the one message as the reason when there is one error', () => {
    const r = run({ schema: refund }, { amount: 10001, currency: 'usd' });
    expect(r).toEqual({
      passed: false,
      score: 0,
      reason: 'params.amount must be <= 10000',
      findings: [{ message: 'params.amount must be <= 10000', field: 'amount' }],
      category: 'schema',
    });
  });

  it('reports missing required params by name', () => {
    expect(run({ schema: refund }, {}).findings).toEqual([
      { message: 'params.amount is required', field: 'amount' },
      { message: 'params.currency is required', field: 'currency' },
    ]);
  });

  it('caps findings at max_errors and counts the rest in the reason', () => {
    const schema = { type: 'object', additionalProperties: { type: 'integer' } };
    const params = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, 'x']));
    const r = run({ schema, max_errors: 3 }, params);
    expect(r.findings.map((f) => f.message)).toEqual(['params.k0 must be integer', 'params.k1 must be integer', 'params.k2 must be integer']);
    expect(r.reason).toBe('25 schema errors: params.k0 must be integer; params.k1 must be integer; params.k2 must be integer; and 22 more');
    expect(run({ schema }, params).findings).toHaveLength(10);
  });

  it('validates one param when field is set, and fails when it is missing', () => {
    const schema = { type: 'object', properties: { to: { type: 'string', maxLength: 5 } }, required: ['to'] };
    expect(run({ schema, field: 'email' }, { email: { to: 'a@b' }, other: 1 }).passed).toBe(true);
    expect(run({ schema, field: 'email' }, { email: { to: 'someone@example.com' } }).findings).toEqual([
      { message: 'params.email.to must NOT have more than 5 characters', field: 'email.to' },
    ]);
    expect(run({ schema, field: 'email' }, { email: 'x' }).findings).toEqual([{ message: 'params.email must be object', field: 'email' }]);
    expect(run({ schema, field: 'email' }, {})).toMatchObject({
      passed: false,
      reason: 'params.email is missing',
      findings: [{ message: 'params.email is missing', field: 'email' }],
    });
  });

  it('names odd keys unambiguously and reports errors on the params themselves', () => {
    const schema = { type: 'object', properties: { 'a.b': { type: 'string' }, 'x/y': { const: 1 } } };
    expect(run({ schema }, { 'a.b': 1, 'x/y': 2 }).findings).toEqual([
      { message: 'params["a.b"] must be string', field: '["a.b"]' },
      { message: 'params["x/y"] must be 1', field: '["x/y"]' },
    ]);
    expect(run({ schema: { type: 'object', minProperties: 2 } }, { a: 1 }).findings).toEqual([
      { message: 'params must NOT have fewer than 2 properties' },
    ]);
    expect(run({ schema: { type: 'object', properties: { x: false } } }, { x: 1 }).findings).toEqual([
      { message: 'params.x is not allowed', field: 'x' },
    ]);
  });

  it('supports 2020-12 schemas, reporting unevaluated properties', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { tags: { type: 'array', prefixItems: [{ type: 'string' }], minItems: 1, items: false } },
      unevaluatedProperties: false,
    };
    expect(run({ schema }, { tags: ['a'] }).passed).toBe(true);
    expect(run({ schema }, { tags: ['a', 'b'], z: 1 }).findings).toEqual([
      { message: 'params.tags must NOT have more than 1 items', field: 'tags' },
      { message: 'params.z is not allowed', field: 'z' },
    ]);
  });

  it('never changes the params, even when the schema declares defaults', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer', default: 3 }, s: { type: 'string' } } };
    const params: JsonObject = { s: '1' };
    expect(run({ schema }, params).passed).toBe(true);
    expect(params).toEqual({ s: '1' });
    expect(run({ schema }, { n: '3' }).findings).toEqual([{ message: 'params.n must be integer', field: 'n' }]);
  });
});

describe('json_schema options', () => {
  it('rejects a schema with an unknown keyword at load, naming the option', () => {
    expect(optionErrors({ schema: { type: 'object', properties: { a: { tpye: 'string' } } } })).toEqual([
      'schema: strict mode: unknown keyword: "tpye"',
    ]);
  });

  it('rejects a schema that breaks the meta-schema, at the exact path inside it', () => {
    expect(optionErrors({ schema: { type: 'object', properties: { a: { type: 'strin' } }, required: 'a' } })).toEqual([
      'schema.required: must be array',
      'schema.properties.a.type: must be one of "array", "boolean", "integer", "null", "number", "object", "string"',
    ]);
  });

  it('rejects strict-mode problems, unresolvable refs, unknown formats, bad patterns and unknown dialects', () => {
    expect(optionErrors({ schema: { properties: { a: { type: 'string' } } } })).toEqual([
      'schema: strict mode: missing type "object" for keyword "properties" at "#" (strictTypes)',
    ]);
    expect(optionErrors({ schema: { type: 'object', required: ['b'] } })).toEqual([
      'schema: strict mode: required property "b" is not defined at "#" (strictRequired)',
    ]);
    expect(optionErrors({ schema: { type: 'object', properties: { a: { $ref: '#/definitions/nope' } } } })).toEqual([
      "schema: can't resolve reference #/definitions/nope from id #",
    ]);
    expect(optionErrors({ schema: { type: 'string', format: 'email' } })).toEqual(['schema: unknown format "email" ignored in schema at path "#"']);
    expect(optionErrors({ schema: { type: 'string', pattern: '([' } })[0]).toMatch(/^schema: Invalid regular expression/);
    expect(optionErrors({ schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } })).toEqual([
      'schema.$schema: unsupported $schema "http://json-schema.org/draft-04/schema#"; use http://json-schema.org/draft-07/schema, ' +
        'https://json-schema.org/draft/2019-09/schema, https://json-schema.org/draft/2020-12/schema or leave it out (draft-07)',
    ]);
  });

  it('rejects a missing or non-object schema, bad max_errors and unknown options', () => {
    expect(optionErrors({})).toEqual(['schema: Invalid input: expected record, received undefined']);
    expect(optionErrors({ schema: true })).toEqual(['schema: Invalid input: expected record, received boolean']);
    expect(optionErrors({ schema: { type: 'object' }, max_errors: 0 })).toEqual(['max_errors: Too small: expected number to be >0']);
    expect(optionErrors({ schema: { type: 'object' }, fields: ['x'] })).toEqual([': Unrecognized key: "fields"']);
  });

  it('keeps the parsed options plain JSON, so the policy hashes and prints as written', () => {
    const raw = { schema: { type: 'object', properties: { a: { type: 'string' } } }, field: 'p' };
    const parsed = jsonSchemaOptions.parse(raw);
    expect(parsed).toEqual({ ...raw, max_errors: 10 });
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(parsed);
    expect(canonicalJson(parsed)).toBe(canonicalJson({ ...raw, max_errors: 10 }));
  });

  it('compiles options that were not parsed, and throws on a bad schema there too', () => {
    const check = jsonSchema.create({ schema: { type: 'object', required: ['a'], properties: { a: {} } }, max_errors: 10 });
    expect(check.run({ agentId: 'a', actionType: 't', params: {} }, signal)).toMatchObject({ passed: false, reason: 'params.a is required' });
    expect(() => jsonSchema.create({ schema: { tpye: 'object' }, max_errors: 10 })).toThrow(
      'json_schema: invalid schema: schema: strict mode: unknown keyword: "tpye"',
    );
  });

  it('lets two checks use schemas with the same $id', () => {
    const schema = { $id: 'https://example.com/refund', type: 'object' };
    expect(run({ schema }, {}).passed).toBe(true);
    expect(run({ schema: { ...schema, required: ['a'], properties: { a: {} } } }, {}).passed).toBe(false);
  });
});

describe('json_schema paths', () => {
  it('decodes JSON pointers and writes dotted paths, quoting ambiguous keys', () => {
    expect(pointerSegments('')).toEqual([]);
    expect(pointerSegments('/items/0/a~1b/c~0d')).toEqual(['items', '0', 'a/b', 'c~d']);
    expect(formatPath(['items', '0', 'sku'])).toBe('items.0.sku');
    expect(formatPath(['a b', 'c'])).toBe('["a b"].c');
    expect(formatPath(['x', 'first-name', ''])).toBe('x.first-name[""]');
  });
});
