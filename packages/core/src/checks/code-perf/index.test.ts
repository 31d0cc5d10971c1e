import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../types.js';
import { codePerf, PERF_FAMILIES, PERF_RULES } from './index.js';

const check = codePerf.create(codePerf.options.parse({}));
const run = (code: string, lang: string): CheckResult =>
  check.run({ agentId: 'a', actionType: 'code.run', params: { code, lang } }, new AbortController().signal) as CheckResult;

/** [family, lang, smell, look-alike]. */
const CASES: [string, string, string, string][] = [
  [
    'n_plus_one',
    'javascript',
    'async function f(db, posts) {\n  for (const post of posts) {\n    const r = await db.query("SELECT * FROM users WHERE id = $1", [post.authorId]);\n  }\n}',
    'async function f(db, posts) {\n  const ids = [];\n  for (const post of posts) ids.push(post.authorId);\n  return db.query("SELECT * FROM users WHERE id = ANY($1)", [ids]);\n}',
  ],
  [
    'n_plus_one',
    'typescript',
    'export async function f(ids: string[]) {\n  for (const id of ids) {\n    const r = await fetch(`/api/items/${id}`);\n  }\n}',
    'export async function f(ids: string[]) {\n  return Promise.all(ids.map(async (id) => await fetch(`/api/items/${id}`)));\n}',
  ],
  [
    'n_plus_one',
    'python',
    'def f(cur, ids):\n    for i in ids:\n        cur.execute("SELECT * FROM t WHERE id = %s", (i,))\n',
    'def f(url):\n    for attempt in range(3):\n        try:\n            return requests.get(url)\n        except Exception:\n            pass\n',
  ],
  [
    'nested_loop',
    'javascript',
    'for (const a of users) {\n  for (const b of users) {\n    if (a.email === b.email) dupes.push(a);\n  }\n}',
    'for (const row of rows) {\n  for (const col of columns) cells.push(row[col]);\n}',
  ],
  ['nested_loop', 'typescript', 'for (const n of nodes) {\n  n.parent = nodes.find((p) => p.id === n.parentId) ?? null;\n}', 'const byId = new Map(nodes.map((n) => [n.id, n]));\nfor (const n of nodes) n.parent = byId.get(n.parentId) ?? null;'],
  ['nested_loop', 'python', 'for a in points:\n    for b in points:\n        out.append(dist(a, b))\n', 'for row in matrix:\n    for cell in row:\n        total += cell\n'],
  ['infinite_loop', 'javascript', 'while (true) {\n  const job = queue.shift();\n  if (job) run(job);\n}', 'while (true) {\n  const job = queue.shift();\n  if (!job) break;\n  run(job);\n}'],
  ['infinite_loop', 'typescript', 'for (;;) {\n  items.forEach((i) => {\n    if (i.done) return;\n    i.step();\n  });\n}', 'function* ids() {\n  let n = 0;\n  while (true) yield n++;\n}'],
  ['infinite_loop', 'python', 'while True:\n    data = conn.recv(4096)\n    handle(data)\n', 'while True:\n    item = q.get()\n    if item is None:\n        break\n    handle(item)\n'],
];

describe('code_perf', () => {
  it('has rules for every family', () => {
    expect(new Set(PERF_RULES.map((r) => r.family))).toEqual(new Set(PERF_FAMILIES));
    for (const r of PERF_RULES) expect(r.cwe).toMatch(/^CWE-\d+$/);
  });

  for (const [family, lang, smell, good] of CASES) {
    it(`${family} in ${lang}: flags the smell and passes its look-alike`, () => {
      const r = run(smell, lang);
      expect(r.passed).toBe(false);
      expect(r.findings.map((f) => f.category)).toContain(family);
      expect(r.category).toBe(family);
      const ok = run(good, lang);
      expect(ok.findings).toEqual([]);
    });
  }

  it('points at the repeated call', () => {
    const code = 'for (const id of ids) {\n  const row = await db.query("SELECT 1 WHERE id = $1", [id]);\n}';
    const f = run(code, 'javascript').findings[0]!;
    expect(code.slice(f.span!.start, f.span!.end)).toBe('db.query("SELECT 1 WHERE id = $1", [id])');
    expect(f.message).toMatch(/^line 2: .*N\+1.*\[CWE-1050 js\.perf\.query-in-loop, medium\]/);
  });

  it('does not count an exit that only leaves a nested function or an inner loop', () => {
    expect(run('while True:\n    for x in xs:\n        break\n', 'python').passed).toBe(false);
    expect(run('while True:\n    def f():\n        return 1\n', 'python').passed).toBe(false);
    expect(run('outer: while (true) {\n  for (const x of xs) { if (x) break outer; }\n}', 'javascript').passed).toBe(true);
    expect(run('while (true) {\n  if (done()) process.exit(0);\n}', 'javascript').passed).toBe(true);
  });

  it('treats a query whose arguments do not change per iteration as polling, not N+1', () => {
    expect(run('let next = start;\nwhile (next) {\n  const page = await (await fetch(next)).json();\n  next = page.next;\n}', 'javascript').passed).toBe(true);
  });

  it('counts key-value stores and ORM relations, not file reads', () => {
    expect(run('for (const u of users) {\n  out[u.id] = await redis.get(`s:${u.id}`);\n}', 'javascript').category).toBe('n_plus_one');
    expect(run('for (const f of files) {\n  out[f] = await fs.promises.readFile(f, "utf8");\n}', 'javascript').passed).toBe(true);
    expect(run('for user in users:\n    totals[user.id] = sum(o.total for o in user.orders.all())\n', 'python').category).toBe('n_plus_one');
    expect(run('for user in users:\n    names.append(user.name.strip())\n', 'python').passed).toBe(true);
  });

  it('rejects unknown rules and families', () => {
    const r = codePerf.options.safeParse({ rules: { include: ['n_plus_two'] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/did you mean "n_plus_one"/);
  });
});
