import type { SgNode } from '@ast-grep/napi';
import { callee, keyword, positional } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { analyse, unsafeHoles } from '../../code/strings.js';

/** Text that reads as SQL, needed when the called method (`query`, `run`, `get`…) is not only a database's. */
export const SQL_TEXT =
  /\b(select\b[\s\S]*?\bfrom|insert\s+(or\s+\w+\s+)?into|update\b[\s\S]*?\bset\b|delete\s+from|create\s+(or\s+replace\s+)?(temp\w*\s+)?(table|index|view|user|database|schema)|drop\s+(table|index|view|database|schema|user)|alter\s+(table|user)|truncate\s+table|pragma\s|show\s+(tables|columns|databases)|grant\s|where\s|order\s+by|group\s+by|values\s*\(|union\s+(all\s+)?select)/i;

/** Interpolated values these functions return are quoted or numeric: not an injection. */
const SQL_SAFE = /escape|quote|literal|identifier|placeholder|^(int|float)$/i;

/** Methods that only ever run SQL: any string built for them is suspect. */
const STRONG = /^(execute|executemany|executescript|exec_driver_sql|mogrify|extra|RawSQL|\$queryRawUnsafe|\$executeRawUnsafe|unsafe)$/;

/** The SQL a call is given: its first argument, or for Django's extra() the where/select/tables lists. */
function sqlArguments(call: SgNode): SgNode[] {
  const first = positional(call)[0];
  if (callee(call).name !== 'extra') return first ? [first] : [];
  const lists = ['where', 'select', 'tables'].map((k) => keyword(call, k)).filter((x): x is SgNode => x !== null);
  return lists.flatMap((l) => (['list', 'tuple'].includes(String(l.kind())) ? l.namedChildren() : ['dictionary'].includes(String(l.kind())) ? l.namedChildren().map((p) => p.field('value') ?? p) : [l]));
}

function dynamicQuery(call: SgNode, ctx: RuleContext): Verdict {
  for (const arg of sqlArguments(call)) {
    const v = dynamicSql(call, arg, ctx);
    if (v) return v;
  }
  return false;
}

function dynamicSql(call: SgNode, first: SgNode, ctx: RuleContext): Verdict {
  const p = analyse(first, ctx);
  if (!p.built) return false;
  const unsafe = unsafeHoles(p, SQL_SAFE);
  if (unsafe.length === 0) return false;
  const { name } = callee(call);
  // `execute` in JavaScript is also the command pattern's verb; SQL there must look like SQL.
  const strong = STRONG.test(name) && (ctx.language === 'python' || name !== 'execute');
  if (!strong && !SQL_TEXT.test(p.text)) return false;
  return { detail: `interpolates ${unsafe.map((h) => h.text()).slice(0, 3).join(', ')}` };
}

const FIX = 'pass values as bound parameters (`$1`/`?`/`%s` placeholders with a values array or tuple), never by building the SQL string';

export const sqlRules: CodeRule[] = [
  {
    id: 'js.sql.dynamic-query',
    family: 'sql_injection',
    cwe: 'CWE-89',
    severity: 'high',
    message: 'SQL built by concatenation or a template literal is passed to a query call',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\.(query|execute|raw|exec|run|all|get|each|prepare|\$queryRawUnsafe|\$executeRawUnsafe|unsafe)\s*(<[^>]*>)?\s*\(/,
    find: {
      rule: {
        kind: 'call_expression',
        has: { field: 'function', kind: 'member_expression', regex: '\\.(query|execute|raw|exec|run|all|get|each|prepare|\\$queryRawUnsafe|\\$executeRawUnsafe|unsafe)$' },
      },
    },
    check: dynamicQuery,
  },
  {
    id: 'py.sql.dynamic-query',
    family: 'sql_injection',
    cwe: 'CWE-89',
    severity: 'high',
    message: 'SQL built with an f-string, %, .format() or + is passed to execute-like call',
    fix: FIX,
    languages: ['python'],
    hint: /\b(execute|executemany|executescript|exec_driver_sql|mogrify|raw|read_sql|read_sql_query|query|RawSQL|extra)\s*\(/,
    find: {
      rule: {
        kind: 'call',
        has: { field: 'function', regex: '(^|\\.)(execute|executemany|executescript|exec_driver_sql|mogrify|raw|read_sql|read_sql_query|query|RawSQL|extra)$' },
      },
    },
    check: dynamicQuery,
  },
];
