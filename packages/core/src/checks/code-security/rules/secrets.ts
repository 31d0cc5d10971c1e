import type { SgNode } from '@ast-grep/napi';
import { unwrap, words } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { analyse } from '../../code/strings.js';
import { hasWord } from './context.js';

const FIX = 'read secrets from the environment or a secret manager (process.env.X, os.environ["X"]) and rotate this one';

/** Names that hold a secret. "key" counts only when qualified (api key, secret key…). */
const SECRET_NAME = new Set(['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'credentials', 'secretkey', 'privatekey', 'accesskey']);

/** Words saying the name is about a secret, not the secret itself: a field name, a path, a length… */
const META = new Set([
  'field', 'fields', 'name', 'names', 'col', 'column', 'header', 'path', 'url', 'uri', 'endpoint', 'route', 'file', 'filename', 'dir', 'template',
  'type', 'label', 'placeholder', 'prompt', 'hint', 'message', 'msg', 'error', 'length', 'len', 'min', 'max', 'regex', 'pattern', 'format',
  'env', 'var', 'param', 'input', 'selector', 'policy', 'count', 'expires', 'expiry', 'ttl', 'timeout', 'attempts', 'mode', 'strength', 'id',
  'arn', 'location', 'kind', 'title', 'text', 'description', 'help', 'rule', 'rules', 'required', 'prefix', 'suffix', 'key_name', 'event',
  'validator', 'validation', 'reset', 'confirm', 'confirmation', 'changed', 'forgot', 'icon', 'class', 'style', 'tab', 'view', 'form', 'allow',
]);

/** Values that are not secrets: placeholders, paths and URLs, sentences. */
const NOT_A_SECRET = [
  /^(<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\(?\w*\)?s|x{3,}|\*{3,}|\.{3,}|•+|your[-_ ].*|.*[-_ ]here|replace[-_ ]?me|todo|tbd|redacted)$/i,
  /^(https?:\/\/[^/@:]+([/?#]|$)|\.{0,2}\/)/,
  /\.(html?|txt|json|ya?ml|j2|jinja2?|tpl|hbs|ejs|md|png|svg|jpe?g|css|js)$/i,
  /\S+\s+\S+\s+\S+/,
  /^(true|false|yes|no|on|off|null|none|undefined|enabled|disabled|required|optional)$/i,
  // An identifier such as `next_token` or `authenticationString` names a field, not a secret.
  /^[a-z]+(_[a-z]+)+$|^[a-z]+([A-Z][a-z]+)+$/,
];

/** Random-looking: 16+ characters without spaces, mixing letters and digits. */
const CREDENTIAL_LIKE = /^(?=[^\s]*\d)(?=[^\s]*[A-Za-z])[^\s]{16,}$/;

/** Whether a literal value looks like a real credential rather than a label or a placeholder. */
function plausible(value: string): boolean {
  return value.trim() !== '' && !NOT_A_SECRET.some((re) => re.test(value));
}

/** Name and value of an assignment-like node: `x = v`, `{ x: v }`, `f(x=v)`, `def f(x=v)`, `d["x"] = v`. */
function nameAndValue(node: SgNode): { name: string; value: SgNode } | null {
  const k = String(node.kind());
  let target: SgNode | null = null;
  let value: SgNode | null = null;
  if (k === 'variable_declarator' || k === 'public_field_definition' || k === 'field_definition') {
    target = node.field('name') ?? node.field('property');
    value = node.field('value');
  } else if (k === 'assignment_expression' || k === 'assignment') {
    target = node.field('left');
    value = node.field('right');
  } else if (k === 'pair') {
    target = node.field('key');
    value = node.field('value');
  } else if (k === 'keyword_argument' || k === 'default_parameter' || k === 'typed_default_parameter') {
    target = node.field('name');
    value = node.field('value');
  }
  if (!target || !value) return null;
  const t = unwrap(target);
  // The last name: `this.config.apiKey` → apiKey, `form['password']` → password.
  const sub = t.kind() === 'subscript' || t.kind() === 'subscript_expression' ? (t.field('subscript') ?? t.field('index')) : null;
  const last = sub ?? t.field('property') ?? t.field('attribute') ?? t;
  return { name: last.text().replace(/^['"`]|['"`]$/g, ''), value };
}

function assigned(node: SgNode, ctx: RuleContext): Verdict {
  const nv = nameAndValue(node);
  if (!nv) return false;
  // Keys such as "AWS::ApiGateway::ApiKey" or "a.b/c" are type names or paths, not variables or headers.
  if (!/^[\w$-]+$/.test(nv.name)) return false;
  const ws = words(nv.name);
  // "key" alone is ambiguous (sortKey, cacheKey, stripeKey): then the value must look like a credential.
  const keyOnly = !hasWord(ws, SECRET_NAME, true) && ws.at(-1) === 'key';
  if ((!keyOnly && !hasWord(ws, SECRET_NAME, true)) || ws.some((w) => META.has(w))) return false;
  let v = unwrap(nv.value);
  // `process.env.KEY || 'sk_…'` / `os.getenv("KEY") or "…"`: the literal fallback ships in the code.
  const op = v.field('operator')?.text();
  if (['binary_expression', 'boolean_operator'].includes(String(v.kind())) && ['||', '??', 'or'].includes(op ?? '') && v.field('right')) v = unwrap(v.field('right')!);
  if (v.kind() === 'call' && /(^|\.)(getenv|get)$/.test(v.field('function')?.text() ?? '') && /environ|getenv/.test(v.text())) {
    const fallback = v.field('arguments')?.namedChildren()[1];
    if (fallback) v = unwrap(fallback);
  }
  if (!['string', 'template_string', 'concatenated_string'].includes(String(v.kind()))) return false;
  const p = analyse(v, ctx);
  if (p.holes.length > 0 || !plausible(p.text)) return false;
  if (keyOnly && !CREDENTIAL_LIKE.test(p.text)) return false;
  return { node: v, detail: `in ${nv.name}` };
}

/** Credentials with a recognisable shape, wherever they appear. */
const KNOWN_FORMAT =
  '(AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}|-----BEGIN ([A-Z]+ )*PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{36}|xox[baprs]-[A-Za-z0-9-]{10,}|[sr]k_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|(Bearer|token|Basic) [A-Za-z0-9._~+/=-]{20,}';

// ast-grep compiles a rule's regex on every search, and a case-insensitive alternation costs
// more than the search itself; the name test is done here in JavaScript instead.
const candidates = (kinds: string[]) => ({ rule: { any: kinds.map((kind) => ({ kind })) } });
const SECRETISH = /pass(word|wd|phrase)?|pwd|secret|key|token|credential/i;

function assignedSecret(node: SgNode, ctx: RuleContext): Verdict {
  return SECRETISH.test(node.text()) && assigned(node, ctx);
}

export const secretRules: CodeRule[] = [
  {
    id: 'js.secret.assigned',
    family: 'hardcoded_secret',
    cwe: 'CWE-798',
    severity: 'medium',
    message: 'a string literal is assigned to a password/secret/API key/token name',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    sensitive: true,
    hint: /pass|pwd|secret|key|token|credential/i,
    find: candidates(['variable_declarator', 'assignment_expression', 'pair', 'public_field_definition', 'field_definition']),
    check: assignedSecret,
  },
  {
    id: 'py.secret.assigned',
    family: 'hardcoded_secret',
    cwe: 'CWE-798',
    severity: 'medium',
    message: 'a string literal is assigned to a password/secret/API key/token name',
    fix: FIX,
    languages: ['python'],
    sensitive: true,
    hint: /pass|pwd|secret|key|token|credential/i,
    find: candidates(['assignment', 'pair', 'keyword_argument', 'default_parameter', 'typed_default_parameter']),
    check: assignedSecret,
  },
  {
    id: 'any.secret.known-format',
    family: 'hardcoded_secret',
    cwe: 'CWE-798',
    severity: 'high',
    message: 'a credential with a known format (AWS key id, private key, GitHub/Slack/Stripe/Google token, bearer token) is in the code',
    fix: FIX,
    languages: ['javascript', 'typescript', 'python'],
    sensitive: true,
    hint: /AKIA|ASIA|AGPA|AIDA|AROA|PRIVATE KEY|gh[pousr]_|xox[baprs]-|k_live_|AIza|Bearer |token |Basic /,
    find: { rule: { any: [{ kind: 'string' }, { kind: 'template_string' }], regex: KNOWN_FORMAT } },
  },
];
