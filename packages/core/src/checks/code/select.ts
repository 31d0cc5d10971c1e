import type { NapiConfig, SgNode } from '@ast-grep/napi';
import { hasKind } from './parse.js';
import type { CodeRule, RuleContext } from './rule.js';
import type { Grammar } from './lang.js';

type RuleObject = NapiConfig['rule'];

/**
 * A rule object with the `any` alternatives whose kind the grammar lacks left out, so one rule
 * serves JavaScript, TypeScript and TSX (e.g. `jsx_attribute` exists only with JSX); null when
 * the rule's own kind is missing. ast-grep rejects a rule that names an unknown kind.
 */
function prune(rule: RuleObject, grammar: Grammar): RuleObject | null {
  if (rule.kind !== undefined && !hasKind(grammar, String(rule.kind))) return null;
  if (!rule.any) return rule;
  const any = rule.any.map((r) => prune(r, grammar)).filter((r): r is RuleObject => r !== null);
  return any.length === 0 ? null : { ...rule, any };
}

/** A rule in the subset evaluated here: the kinds it can match, and a test on one node of those kinds. */
interface Simple {
  kinds: string[];
  test: (e: Entry) => boolean;
}

/** A Rust regex as a JavaScript one: the inline (?s) flag becomes the s flag; the rest of the syntax used is shared. */
function jsRegex(source: string): RegExp {
  const dotAll = source.startsWith('(?s)');
  return new RegExp(dotAll ? source.slice(4) : source, dotAll ? 's' : '');
}

/**
 * The rule as a JavaScript matcher when it only uses `kind`, `regex` (own text), `has` with a
 * `field` (and kind/regex) and `any` of such rules, else null and ast-grep searches. ast-grep
 * compiles a rule's regexes on every search, which costs about as much as the search; here the
 * nodes of each kind are listed once per run and shared by all rules, and each regex is
 * compiled once. The semantics are ast-grep's: a regex matches anywhere in the node's text.
 */
function simpleShape(rule: RuleObject): Simple | null {
  const keys = Object.keys(rule).filter((k) => (rule as Record<string, unknown>)[k] !== undefined);
  if (keys.every((k) => k === 'any' || k === 'regex') && rule.any) {
    const parts = rule.any.map(simpleShape);
    if (parts.some((p) => p === null)) return null;
    const own = rule.regex ? jsRegex(rule.regex) : null;
    const byKind = new Map<string, Simple[]>();
    for (const p of parts as Simple[]) for (const k of p.kinds) byKind.set(k, [...(byKind.get(k) ?? []), p]);
    return { kinds: [...byKind.keys()], test: (e) => (own === null || own.test(textOf(e))) && (byKind.get(e.kind) ?? []).some((p) => p.test(e)) };
  }
  if (typeof rule.kind !== 'string' || !keys.every((k) => k === 'kind' || k === 'regex' || k === 'has')) return null;
  const own = rule.regex ? jsRegex(rule.regex) : null;
  const has = rule.has as Record<string, unknown> | undefined;
  if (has && (!Object.keys(has).every((k) => k === 'field' || k === 'regex' || k === 'kind') || typeof has.field !== 'string')) return null;
  const field = has ? (has.field as string) : null;
  const fieldKind = typeof has?.kind === 'string' ? has.kind : undefined;
  const fieldRe = typeof has?.regex === 'string' ? jsRegex(has.regex) : null;
  return {
    kinds: [rule.kind],
    test: (e) => {
      if (own && !own.test(textOf(e))) return false;
      if (field === null) return true;
      const f = fieldOf(e, field);
      return f !== null && (fieldKind === undefined || f.kind === fieldKind) && (fieldRe === null || fieldRe.test(f.text));
    },
  };
}

const compiled = new Map<string, { find: NapiConfig; simple: Simple | null } | null>();

function compile(rule: CodeRule, grammar: Grammar): { find: NapiConfig; simple: Simple | null } | null {
  const key = `${rule.id}\u0000${grammar}`;
  let c = compiled.get(key);
  if (c === undefined) {
    const r = prune(rule.find.rule, grammar);
    c = r ? { find: { ...rule.find, rule: r }, simple: rule.find.constraints || rule.find.utils ? null : simpleShape(r) } : null;
    compiled.set(key, c);
  }
  return c;
}

interface Entry {
  node: SgNode;
  kind: string;
  text?: string;
  fields: Map<string, { kind: string; text: string } | null>;
}

/** The nodes of a kind, listed once per run. */
function ofKind(kind: string, ctx: RuleContext): Entry[] {
  const key = `kind:${kind}`;
  let list = ctx.memo.get(key) as Entry[] | undefined;
  if (!list) {
    list = ctx.root.findAll({ rule: { kind } }).map((node) => ({ node, kind, fields: new Map() }));
    ctx.memo.set(key, list);
  }
  return list;
}

function textOf(e: Entry): string {
  e.text ??= e.node.text();
  return e.text;
}

function fieldOf(e: Entry, field: string): { kind: string; text: string } | null {
  let f = e.fields.get(field);
  if (f === undefined) {
    const n = e.node.field(field);
    f = n ? { kind: String(n.kind()), text: n.text() } : null;
    e.fields.set(field, f);
  }
  return f;
}

/** The nodes a rule's `find` selects in this run's tree. */
export function candidates(rule: CodeRule, ctx: RuleContext): SgNode[] {
  const c = compile(rule, ctx.grammar);
  if (!c) return [];
  if (!c.simple) return ctx.root.findAll(c.find);
  const out: SgNode[] = [];
  for (const kind of c.simple.kinds) for (const e of ofKind(kind, ctx)) if (c.simple.test(e)) out.push(e.node);
  return out;
}
