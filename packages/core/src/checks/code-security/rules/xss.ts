import type { SgNode } from '@ast-grep/napi';
import { args, assignedValues, callee, property, unwrap } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { analyse, unsafeHoles } from '../../code/strings.js';

/** Interpolated values these functions return are escaped or sanitised HTML. */
const HTML_SAFE = /escape|sanitize|purify|encode|clean|strip_?tags|format_html|textContent/i;

const FIX = 'set text with textContent / plain JSX / autoescaped templates, or sanitise the HTML (DOMPurify.sanitize, bleach.clean) first';

/** Whether `value` puts untrusted text into HTML: high when assembled from it, medium when it is opaque. */
function html(value: SgNode | null, ctx: RuleContext): Verdict {
  if (!value) return false;
  const p = analyse(value, ctx);
  const unsafe = unsafeHoles(p, HTML_SAFE);
  if (unsafe.length === 0) return false;
  return { severity: p.built ? 'high' : 'medium', detail: `from ${unsafe.map((h) => h.text()).slice(0, 2).join(', ')}` };
}

/** React's `dangerouslySetInnerHTML={{ __html: x }}` (JSX or a createElement props object). */
function dangerously(node: SgNode, ctx: RuleContext): Verdict {
  let value = node.kind() === 'pair' ? node.field('value') : (node.namedChildren().find((c) => c.kind() === 'jsx_expression')?.namedChildren()[0] ?? null);
  if (!value) return false;
  value = unwrap(value);
  if (value.kind() === 'identifier') value = assignedValues(value, ctx).at(-1) ?? value;
  if (['null', 'undefined', 'true', 'false'].includes(String(value.kind()))) return false;
  if (value.kind() === 'object') return html(property(value, '__html'), ctx);
  // A function or variable hides where the HTML comes from; React needs {__html} built somewhere.
  return { severity: 'medium', detail: `from ${value.text().slice(0, 40)}` };
}

const jsRules: CodeRule[] = [
  {
    id: 'js.xss.inner-html',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'high',
    message: 'innerHTML/outerHTML is set from non-literal input',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\.(inner|outer)HTML\s*\+?=/,
    find: { rule: { any: [{ kind: 'assignment_expression' }, { kind: 'augmented_assignment_expression' }], has: { field: 'left', kind: 'member_expression', regex: '\\.(innerHTML|outerHTML)$' } } },
    check: (n, ctx) => html(n.field('right'), ctx),
  },
  {
    id: 'js.xss.insert-html',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'high',
    message: 'insertAdjacentHTML / document.write is given non-literal HTML',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /insertAdjacentHTML|document\.write/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '(\\.insertAdjacentHTML|^(window\\.)?document\\.write(ln)?)$' } } },
    check: (n, ctx) => {
      const a = args(n);
      return html(callee(n).name === 'insertAdjacentHTML' ? (a[1] ?? null) : (a[0] ?? null), ctx);
    },
  },
  {
    id: 'js.xss.dangerously-set-inner-html',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'high',
    message: 'React dangerouslySetInnerHTML is given HTML that is not a literal or sanitised',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /dangerouslySetInnerHTML/,
    find: {
      rule: {
        any: [
          { kind: 'jsx_attribute', has: { kind: 'property_identifier', regex: '^dangerouslySetInnerHTML$' } },
          { kind: 'pair', has: { field: 'key', regex: '^["\']?dangerouslySetInnerHTML["\']?$' } },
        ],
      },
    },
    check: dangerously,
  },
  {
    id: 'js.xss.jquery-html',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'medium',
    message: "jQuery .html() (or .append/.prepend/.after/.before of markup) with non-literal input",
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\.(html|append|prepend|after|before)\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '(?s)^(\\$|jQuery)\\(.*\\.(html|append|prepend|after|before)$' } } },
    check: (n, ctx) => {
      const v = html(args(n)[0] ?? null, ctx);
      if (!v || callee(n).name === 'html') return v;
      // append(node) is fine; append('<li>' + x + '</li>') is markup.
      return analyse(args(n)[0]!, ctx).text.includes('<') ? v : false;
    },
  },
  {
    id: 'js.xss.response-html',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'high',
    message: 'an HTTP response (res.send/write/end) is HTML built from input without escaping',
    fix: 'render through an autoescaping template engine, or escape each value (escape-html) before building the markup',
    languages: ['javascript', 'typescript'],
    hint: /\.(send|write|end)\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '^(res|response|reply|ctx\\.res)\\.(send|write|end)$' } } },
    check: (n, ctx) => markup(args(n)[0] ?? null, ctx),
  },
];

/** `html()` for values that are markup: some literal part holds a tag. */
function markup(value: SgNode | null, ctx: RuleContext): Verdict {
  if (!value || !/<[A-Za-z!/]/.test(analyse(value, ctx).text)) return false;
  return html(value, ctx);
}

/** Decorators of a web route: Flask/FastAPI `@app.get(…)`, `@bp.route(…)`, Django-style `@require_GET`… */
const ROUTE = /^@[\w.]*\.(route|get|post|put|patch|delete)\(|^@(require_(GET|POST|http_methods)|api_view)\b/m;

const pyRules: CodeRule[] = [
  {
    id: 'py.xss.mark-safe',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'high',
    message: 'Markup()/mark_safe() marks non-literal text as safe HTML, turning off escaping',
    fix: FIX,
    languages: ['python'],
    hint: /\b(Markup|mark_safe|SafeString|SafeText)\s*\(/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '(^|\\.)(Markup|mark_safe|SafeString|SafeText)$' } } },
    check: (n, ctx) => html(args(n)[0] ?? null, ctx),
  },
  {
    id: 'py.xss.template-from-input',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'high',
    message: 'a template is compiled from a string built with input (render_template_string, Template, from_string): XSS and template injection',
    fix: 'keep the template a constant and pass values as context variables: render_template_string("Hello {{ name }}", name=name)',
    languages: ['python'],
    hint: /\b(render_template_string|Template|from_string)\s*\(/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '(^|\\.)(render_template_string|Template|from_string)$' } } },
    check: (n, ctx) => html(args(n)[0] ?? null, ctx),
  },
  {
    id: 'py.xss.safe-filter',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'medium',
    message: 'a template marks a value |safe or turns autoescape off',
    fix: 'drop |safe (or sanitise the value with bleach.clean before marking it safe) and keep autoescape on',
    languages: ['python'],
    hint: /\|\s*safe\b|autoescape\s+(false|off)/i,
    find: { rule: { kind: 'string', regex: '\\{\\{[^}]*\\|\\s*safe\\b|autoescape\\s+([Ff]alse|off)' } },
  },
  {
    id: 'py.xss.html-response',
    family: 'xss',
    cwe: 'CWE-79',
    severity: 'medium',
    message: 'an HTTP response body is HTML built from input without escaping',
    fix: FIX,
    languages: ['python'],
    hint: /\b(HttpResponse|make_response|Response)\s*\(/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '(^|\\.)(HttpResponse|make_response|Response)$' } } },
    check: (n, ctx) => {
      const first = args(n)[0];
      if (!first || !analyse(first, ctx).text.includes('<')) return false;
      const v = html(first, ctx);
      return v && typeof v === 'object' && v.severity === 'high' ? { ...v, severity: 'medium' } : false;
    },
  },
];

pyRules.push({
  id: 'py.xss.view-returns-html',
  family: 'xss',
  cwe: 'CWE-79',
  severity: 'high',
  message: 'a web view returns HTML built from input without escaping (Flask sends a returned str as text/html)',
  fix: 'return render_template(…) with an autoescaped template, or escape each value with markupsafe.escape',
  languages: ['python'],
  hint: /@[\w.]*\.(route|get|post|put|patch|delete)\(|@require_|@api_view/,
  find: { rule: { kind: 'return_statement', inside: { kind: 'decorated_definition', stopBy: 'end' } } },
  check: (n, ctx) => {
    const fn = n.ancestors().find((a) => a.kind() === 'function_definition');
    const decorated = fn?.parent();
    if (!decorated || decorated.kind() !== 'decorated_definition' || !ROUTE.test(decorated.text().slice(0, decorated.text().indexOf('def ')))) return false;
    return markup(n.namedChildren()[0] ?? null, ctx);
  },
});

export const xssRules: CodeRule[] = [...jsRules, ...pyRules];
