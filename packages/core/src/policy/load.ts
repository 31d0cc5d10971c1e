import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { BridleError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../json.js';
import { closest } from '../util/suggest.js';
import { locate } from './locate.js';
import { policySchema, type PolicyDocument } from './schema.js';

export interface PolicyIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted field path, e.g. `agents.growth-bot.budget.daily_usd`. */
  path: string;
  message: string;
  hint?: string;
}

export interface LoadedPolicy {
  document: PolicyDocument;
  /** `sha256:` + the first 16 hex digits of the hash of the canonical policy. */
  version: string;
  file: string;
  /** The source text, kept so a server can record exactly what it runs. */
  text: string;
}

export interface LoadOptions {
  file?: string;
  /** Connector names that exist, so `connector:` typos fail at load. */
  connectors?: readonly string[];
}

function hintFor(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_value' && 'values' in issue) return `allowed values: ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return undefined;
}

function fail(file: string, issues: PolicyIssue[]): never {
  const lines = issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.path || '(root)'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  throw new BridleError('BRIDLE_E_POLICY_INVALID', `Policy ${file} is invalid:\n  ${lines.join('\n  ')}`, { issues });
}

/**
 * Parses and validates a policy. Every problem is reported with file, line, column and field
 * path; the policy version is the hash of its canonical (defaults-applied) form, so two files
 * that mean the same thing have the same version.
 */
export function parsePolicy(text: string, opts: LoadOptions = {}): LoadedPolicy {
  const file = opts.file ?? 'bridle.yaml';
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    fail(
      file,
      doc.errors.map((e) => {
        const { line, col } = counter.linePos(e.pos[0]);
        return { file, line, column: col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    fail(
      file,
      parsed.error.issues.flatMap((issue): PolicyIssue[] => {
        const path = issue.path as PropertyKey[];
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
        // An issue about a key itself (an unknown check kind) points at the key, not its value.
        const atKey = issue.code === 'custom' && (issue.params as { atKey?: boolean } | undefined)?.atKey === true && path.length > 0;
        return keys.map((key) => {
          const pos = atKey ? locate(doc, counter, path.slice(0, -1), String(path[path.length - 1])) : locate(doc, counter, path, key);
          const fieldPath = [...path, ...(key === undefined ? [] : [key])].map(String).join('.');
          let message = issue.message;
          let hint = hintFor(issue);
          if (key !== undefined) {
            message = `unknown field "${key}"`;
            const parent = path.length === 0 ? policySchema.shape : undefined;
            const known = parent ? Object.keys(parent) : [];
            const guess = closest(key, known);
            hint = guess ? `did you mean "${guess}"?` : 'remove it, or check the configuration reference in docs/configuration.md';
          }
          return { file, ...pos, path: fieldPath, message, ...(hint ? { hint } : {}) };
        });
      }),
    );
  }
  const document = parsed.data;
  if (opts.connectors) {
    const issues: PolicyIssue[] = [];
    const known = [...opts.connectors, ...Object.keys(document.connectors)];
    for (const [type, a] of Object.entries(document.actions)) {
      if (!known.includes(a.connector)) {
        const guess = closest(a.connector, known);
        issues.push({
          file,
          ...locate(doc, counter, ['actions', type, 'connector']),
          path: `actions.${type}.connector`,
          message: `unknown connector "${a.connector}"`,
          hint: guess ? `did you mean "${guess}"?` : `known connectors: ${known.join(', ')} (define more under connectors:)`,
        });
      }
    }
    for (const [name, c] of Object.entries(document.connectors)) {
      if (c.kind !== 'social') continue;
      const routes = c.options as { platforms: Record<string, string>; otherwise?: string };
      const targets: [string[], string][] = [...Object.entries(routes.platforms).map(([k, v]): [string[], string] => [['platforms', k], v]), ...(routes.otherwise ? [[['otherwise'], routes.otherwise] as [string[], string]] : [])];
      for (const [path, target] of targets) {
        if (known.includes(target)) continue;
        const at = ['connectors', name, ...path];
        const guess = closest(target, known);
        issues.push({ file, ...locate(doc, counter, at), path: at.join('.'), message: `"${target}" is not a connector`, hint: guess ? `did you mean "${guess}"?` : `define it under connectors:, or use one of: ${known.join(', ')}` });
      }
    }
    if (issues.length > 0) fail(file, issues);
  }
  return { document, version: `sha256:${sha256Hex(canonicalJson(document)).slice(0, 16)}`, file, text };
}

export function loadPolicyFile(path: string, opts: Omit<LoadOptions, 'file'> = {}): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BridleError('BRIDLE_E_POLICY_NOT_FOUND', `Cannot read policy file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  return parsePolicy(text, { ...opts, file: path });
}
