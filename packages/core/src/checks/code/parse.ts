import { kind, Lang, parse, registerDynamicLanguage, type SgNode } from '@ast-grep/napi';
import python from '@ast-grep/lang-python';
import type { Grammar } from './lang.js';

// ast-grep ships JavaScript and TypeScript; Python is a tree-sitter grammar loaded from
// @ast-grep/lang-python's prebuilt library. Registration is process-wide and documented as
// "call exactly once", and another check may need Python too, so the flag lives on globalThis.
const REGISTERED = Symbol.for('bridle.ast-grep.python');

function ensurePython(): void {
  const g = globalThis as { [REGISTERED]?: true };
  if (g[REGISTERED]) return;
  try {
    parse('python', '');
  } catch {
    registerDynamicLanguage({ python });
  }
  g[REGISTERED] = true;
}

const LANG: Record<Grammar, string> = {
  javascript: Lang.JavaScript,
  typescript: Lang.TypeScript,
  tsx: Lang.Tsx,
  python: 'python',
};

/**
 * The syntax tree of `text`. There is no cache: a 100-line file parses in under a millisecond,
 * and each check parses what it is given, so no tree outlives its run. tree-sitter recovers
 * from errors, so fragments and snippets that do not compile still yield a usable tree.
 */
export function parseCode(text: string, grammar: Grammar): SgNode {
  if (grammar === 'python') ensurePython();
  return parse(LANG[grammar], text).root();
}

/** Whether a grammar has a node kind (JavaScript has no `as_expression`, Python no `template_string`). */
export function hasKind(grammar: Grammar, name: string): boolean {
  if (grammar === 'python') ensurePython();
  try {
    return kind(LANG[grammar], name) !== 0;
  } catch {
    return false;
  }
}
