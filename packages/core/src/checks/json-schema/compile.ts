import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { JsonObject } from '../../json.js';
import { pointerSegments } from './paths.js';

/** A problem with a policy's schema, at a path inside it (empty = the schema itself). */
export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: true,
  // `type: [string, "null"]` is how OpenAI-style tool schemas spell optional fields; strictTypes
  // would reject every one of them.
  allowUnionTypes: true,
  // Compile problems are thrown (and reported at policy load); nothing should go to the console.
  logger: false,
  // Defaults are spelled out because they matter: validation must never change the params,
  // which are hashed for approval binding. No useDefaults, coerceTypes or removeAdditional.
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
};

/**
 * Ajv and its two newer dialects cost about 3 MB of heap and a good deal more of compiled code;
 * only a policy with a `json_schema` check needs them, so they are required (Ajv is CommonJS)
 * the first time a schema is compiled rather than when the check registry is imported.
 */
const requireCjs = createRequire(import.meta.url);
const ajvClass = {
  draft07: () => (requireCjs('ajv') as { Ajv: typeof Ajv }).Ajv,
  draft2019: () => (requireCjs('ajv/dist/2019.js') as { Ajv2019: typeof Ajv2019 }).Ajv2019,
  draft2020: () => (requireCjs('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 }).Ajv2020,
};

const DIALECTS: Record<string, () => Ajv> = {
  'http://json-schema.org/draft-07/schema': () => new (ajvClass.draft07())(AJV_OPTIONS),
  'https://json-schema.org/draft/2019-09/schema': () => new (ajvClass.draft2019())(AJV_OPTIONS),
  'https://json-schema.org/draft/2020-12/schema': () => new (ajvClass.draft2020())(AJV_OPTIONS),
};

/** The Ajv for the schema's `$schema` (draft-07 when absent), or undefined for a dialect Ajv 8 lacks. */
function ajvFor(schema: JsonObject): Ajv | undefined {
  const declared = schema.$schema;
  if (declared === undefined) return new (ajvClass.draft07())(AJV_OPTIONS);
  if (typeof declared !== 'string') return undefined;
  return DIALECTS[declared.replace(/#$/, '')]?.();
}

/**
 * Compiles a policy's schema with a fresh Ajv, so that two checks whose schemas share an `$id`
 * do not collide in one instance's registry. Returns the validator, or every problem found:
 * meta-schema violations each at their own path, else the one error Ajv throws while
 * compiling (strict mode, unresolvable `$ref`, a bad `pattern`).
 */
export function compileSchema(schema: JsonObject): { validate: ValidateFunction } | { issues: SchemaIssue[] } {
  const ajv = ajvFor(schema);
  if (!ajv) {
    const message = `unsupported $schema ${JSON.stringify(schema.$schema)}; use ${Object.keys(DIALECTS).join(', ')} or leave it out (draft-07)`;
    return { issues: [{ path: ['$schema'], message }] };
  }
  if (!ajv.validateSchema(schema)) {
    // A bad `type` fails both the enum and the array branch of the meta-schema; the first
    // error for each place is the one that says what is wrong.
    const seen = new Set<string>();
    const issues: SchemaIssue[] = [];
    for (const e of ajv.errors ?? []) {
      if (seen.has(e.instancePath)) continue;
      seen.add(e.instancePath);
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const message = e.keyword === 'enum' && allowed ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : e.message ?? 'is invalid';
      issues.push({ path: pointerSegments(e.instancePath), message });
    }
    return { issues };
  }
  try {
    return { validate: ajv.compile(schema) };
  } catch (err) {
    return { issues: [{ path: [], message: err instanceof Error ? err.message : String(err) }] };
  }
}
