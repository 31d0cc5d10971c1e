import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../types.js';
import { codeSecurity, SECURITY_FAMILIES, SECURITY_RULES } from './index.js';

const check = codeSecurity.create(codeSecurity.options.parse({}));
const run = (code: string, lang: string, opts: Record<string, unknown> = {}): CheckResult => {
  const c = Object.keys(opts).length ? codeSecurity.create(codeSecurity.options.parse(opts)) : check;
  return c.run({ agentId: 'a', actionType: 'code.run', params: { code, lang } }, new AbortController().signal) as CheckResult;
};
const families = (r: CheckResult) => [...new Set(r.findings.map((f) => f.category))];

/** [family, lang, insecure code, benign look-alike]: one pair per family and language. */
const CASES: [string, string, string, string][] = [
  ['sql_injection', 'javascript', "pool.query(`SELECT * FROM users WHERE id = '${req.params.id}'`);", "pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);"],
  ['sql_injection', 'typescript', 'const sql: string = "DELETE FROM t WHERE id = " + id;\nawait db.run(sql);', 'await prisma.$queryRaw`SELECT * FROM t WHERE id = ${id}`;'],
  ['sql_injection', 'python', 'cur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")', 'cur.execute("SELECT * FROM users WHERE name = %s", (name,))'],
  ['xss', 'javascript', "el.innerHTML = '<b>' + params.get('q') + '</b>';", "el.textContent = params.get('q');\nel.innerHTML = '';"],
  ['xss', 'tsx', 'export const A = ({ html }: { html: string }) => <div dangerouslySetInnerHTML={{ __html: html }} />;', 'export const A = ({ html }: { html: string }) => <div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />;'],
  ['xss', 'python', 'return render_template_string("<h1>" + request.args["name"] + "</h1>")', 'return render_template_string("<h1>{{ name }}</h1>", name=request.args["name"])'],
  ['code_injection_eval', 'javascript', 'const out = eval(req.body.expr);', 'const out = JSON.parse(req.body.expr);\nsetTimeout(() => tick(), 10);'],
  ['code_injection_eval', 'typescript', "const f = new Function('x', 'return ' + body) as (x: number) => number;", 'const re = new RegExp(pattern, "g");'],
  ['code_injection_eval', 'python', 'result = eval(request.form["expr"])', 'model.eval()\nvalue = ast.literal_eval(raw)\npat = re.compile(r"\\d+")'],
  ['command_injection', 'javascript', "const { exec } = require('child_process');\nexec('ping -c 1 ' + host);", "const { execFile } = require('child_process');\nexecFile('git', ['status']);"],
  ['command_injection', 'typescript', "import { execSync } from 'node:child_process';\nexecSync(`rm -rf ${dir}`);", "import { execFileSync } from 'node:child_process';\nexecFileSync('rm', ['-rf', dir]);"],
  ['command_injection', 'python', 'subprocess.run(f"tar czf {name}.tgz {path}", shell=True)', 'subprocess.run(["ls", path], check=True)\nos.system("clear")'],
  ['deserialization', 'javascript', "const s = require('node-serialize');\nconst o = s.unserialize(req.cookies.p);", 'const o = JSON.parse(req.cookies.p);'],
  ['deserialization', 'python', 'data = pickle.loads(request.data)\ncfg = yaml.load(f)', 'cfg = yaml.safe_load(f)\ncfg2 = yaml.load(f, Loader=yaml.SafeLoader)'],
  ['weak_crypto', 'javascript', "const passwordHash = crypto.createHash('md5').update(password).digest('hex');", "const etag = crypto.createHash('md5').update(body).digest('hex');\nconst token = crypto.randomBytes(32).toString('hex');"],
  ['weak_crypto', 'typescript', 'const resetToken: string = Math.random().toString(36).slice(2);', 'const delayMs: number = 100 * 2 ** attempt + Math.random() * 50;'],
  ['weak_crypto', 'python', 'token = "".join(random.choice(string.ascii_letters) for _ in range(32))', 'token = secrets.token_hex(32)\ndigest = hashlib.sha256(data).hexdigest()\nrandom.shuffle(deck)'],
  ['hardcoded_secret', 'javascript', "const client = new Client({ password: 'hunter2-prod' });", 'const client = new Client({ password: process.env.DB_PASSWORD });\nconst passwordField = "password";'],
  ['hardcoded_secret', 'typescript', "export const cfg = { apiKey: 'a3f1c9e2b7d84e6f9a0b' };", "export const cfg = { apiKey: process.env.API_KEY ?? '' };\nexport const TOKEN_HEADER = 'x-api-token';"],
  ['hardcoded_secret', 'python', 'DATABASE_PASSWORD = "pr0d-Passw0rd!"', 'DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]\nPASSWORD_RESET_TEMPLATE = "accounts/reset.html"'],
];

describe('code_security', () => {
  it('has a rule for every family, each with an id, a CWE, a message and a fix', () => {
    expect(new Set(SECURITY_RULES.map((r) => r.family))).toEqual(new Set(SECURITY_FAMILIES));
    expect(new Set(SECURITY_RULES.map((r) => r.id)).size).toBe(SECURITY_RULES.length);
    for (const r of SECURITY_RULES) {
      expect(r.cwe).toMatch(/^CWE-\d+$/);
      expect(r.message.length).toBeGreaterThan(10);
      expect(r.fix.length).toBeGreaterThan(10);
    }
  });

  for (const [family, lang, bad, good] of CASES) {
    it(`${family} in ${lang}: flags the insecure code and passes its look-alike`, () => {
      const r = run(bad, lang);
      expect(r.passed).toBe(false);
      expect(families(r)).toContain(family);
      expect(r.findings[0]?.message).toMatch(/CWE-\d+ \w+\.[\w-]+\.[\w-]+/);
      const ok = run(good, lang);
      expect(ok.findings).toEqual([]);
      expect(ok.passed).toBe(true);
    });
  }

  it('points the span at the offending node, in UTF-16 units even after astral characters', () => {
    const code = 'const note = "😀 émoji";\nconst out = eval(userInput);\n';
    const r = run(code, 'javascript');
    const f = r.findings[0]!;
    expect(code.slice(f.span!.start, f.span!.end)).toBe('eval(userInput)');
    expect(f.message).toMatch(/^line 2: /);
    expect(f.field).toBe('code');
    expect(r.category).toBe('code_injection_eval');
  });

  it('masks hard-coded secrets in the finding but still points at them', () => {
    const code = 'API_SECRET = "c2VjcmV0LWtleS1mb3ItcGF5bWVudHM"\n';
    const f = run(code, 'python').findings[0]!;
    expect(f.match).toBe('"c2V…');
    expect(code.slice(f.span!.start, f.span!.end)).toBe('"c2VjcmV0LWtleS1mb3ItcGF5bWVudHM"');
  });

  it('follows a query string built in a variable, and resolves constants as safe', () => {
    expect(run('q = "SELECT * FROM t WHERE a = \'%s\'" % a\ncur.execute(q)', 'python').passed).toBe(false);
    expect(run('TABLE = "users"\ncur.execute("SELECT * FROM %s" % TABLE)', 'python').passed).toBe(true);
    expect(run('cur.execute("SELECT * FROM t WHERE id IN (%s)" % ", ".join(["%s"] * len(ids)), ids)', 'python').passed).toBe(true);
  });

  it('finds reflected HTML in responses, sh -c lists, pickled numpy arrays and literal fallbacks for secrets', () => {
    expect(run("app.get('/h', (req, res) => res.send(`<h1>${req.query.name}</h1>`));", 'javascript').category).toBe('xss');
    expect(run("app.get('/h', (req, res) => res.send(`Hello ${req.query.name}`));", 'javascript').passed).toBe(true);
    expect(run('@app.route("/c")\ndef c():\n    return f"<p>{request.args[\'q\']}</p>"\n', 'python').category).toBe('xss');
    expect(run('def helper(q):\n    return f"<p>{q}</p>"\n', 'python').passed).toBe(true);
    expect(run('subprocess.run(["sh", "-c", f"grep {term} log"])', 'python').category).toBe('command_injection');
    expect(run('subprocess.run(["sh", "-c", "make clean"])', 'python').passed).toBe(true);
    expect(run('arr = np.load(f, allow_pickle=True)', 'python').category).toBe('deserialization');
    expect(run('arr = np.load(f)', 'python').passed).toBe(true);
    expect(run("const stripeKey = process.env.STRIPE_KEY || 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';", 'typescript').category).toBe('hardcoded_secret');
    expect(run("const sortKey = 'created_at_desc';", 'typescript').passed).toBe(true);
  });

  it('treats Math.random made into an id as weak crypto, but not a CSS value or a log line', () => {
    expect(run("const name = '__st' + (1e9 * Math.random() >>> 0);", 'javascript').category).toBe('weak_crypto');
    expect(run('const ch = `channel.test.${Date.now()}-${Math.random()}`;', 'javascript').category).toBe('weak_crypto');
    expect(run("el.style.left = Math.random() * 100 + '%';", 'javascript').passed).toBe(true);
    expect(run("console.log('value: ' + Math.random());", 'javascript').passed).toBe(true);
  });

  it('grades severity and honours min_severity', () => {
    const vague = 'h = hashlib.md5(data).hexdigest()';
    expect(run(vague, 'python').findings[0]?.message).toMatch(/, low\]/);
    expect(run(vague, 'python', { min_severity: 'medium' }).passed).toBe(true);
    expect(run('pw_hash = hashlib.md5(password.encode()).hexdigest()', 'python', { min_severity: 'high' }).passed).toBe(false);
    expect(run('h = hashlib.md5(data, usedforsecurity=False).hexdigest()', 'python').passed).toBe(true);
  });

  it('selects rules by family and id', () => {
    const code = 'eval(x)\nos.system("rm " + p)';
    expect(families(run(code, 'python', { rules: { include: ['command_injection'] } }))).toEqual(['command_injection']);
    expect(families(run(code, 'python', { rules: { exclude: ['py.eval.eval-exec'] } }))).toEqual(['command_injection']);
  });

  it('reads the code from the configured fields and skips other languages', () => {
    const c = codeSecurity.create(codeSecurity.options.parse({ fields: ['patch'], languages: ['python'] }));
    const r = c.run({ agentId: 'a', actionType: 't', params: { patch: 'eval(x)', lang: 'py' } }, new AbortController().signal) as CheckResult;
    expect(r.passed).toBe(false);
    const js = c.run({ agentId: 'a', actionType: 't', params: { patch: 'eval(x)', lang: 'js' } }, new AbortController().signal) as CheckResult;
    expect(js).toMatchObject({ passed: true, reason: expect.stringMatching(/javascript is not in languages/) });
  });

  it('rejects bad options with clear messages', () => {
    const err = (o: unknown) => {
      const r = codeSecurity.options.safeParse(o);
      return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(err({ rules: { include: ['sql_injectoin'] } })).toMatch(/rules\.include\.0: unknown rule or family "sql_injectoin"; did you mean "sql_injection"/);
    expect(err({ min_severity: 'critical' })).toMatch(/min_severity must be one of low, medium, high/);
    expect(err({ languages: ['go'] })).toMatch(/unknown language "go"/);
    expect(err({ rules: { exclude: [...SECURITY_FAMILIES] } })).toMatch(/leave no rule to run/);
    expect(err({ fields: [] })).toMatch(/fields needs at least one/);
    expect(err({ nope: 1 })).toMatch(/nope/);
  });
});
