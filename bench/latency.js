// Latency of the checks themselves, as the targets state them: every default content
// check on a 280-character post (p50 ≤ 0.5 ms), the security and performance code checks on a
// 100-line file (p50 ≤ 10 ms), type checking and prompt injection reported separately.
// Imported by bench/detectors.js; usable alone: node bench/latency.js
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkKinds, scanChecks } from '../packages/core/dist/index.js';
import { makePosts, percentile } from './lib.js';

/** Content checks a social post goes through, with the options a real policy would give them. */
const CONTENT = {
  max_length: {},
  banned_phrases: { list: ['guaranteed returns', 'risk-free', 'get rich quick', 'miracle cure'] },
  pii: {},
  secrets: {},
  profanity: {},
  competitors: { names: [{ name: 'Acme', aliases: ['Acme Corp', 'ACME Cloud'] }, { name: 'Globex' }] },
  regex: { patterns: [{ pattern: 'TICKET-\\d+', name: 'ticket' }] },
  url_allowlist: { allow: ['example.com', '*.example.com'] },
  sentiment: {},
};

/** 280-character posts: the benchmark's realistic posts, cut or padded to exactly 280. */
function posts(n) {
  return makePosts(n, 7).map((p) => {
    let t = p.text;
    while (t.length < 280) t += ` ${t}`;
    return { ...p, text: t.slice(0, 280) };
  });
}

/** Median and p99 in ms of `fn` over the inputs, after a warm-up pass. */
async function measure(inputs, fn, rounds = 3) {
  for (const x of inputs.slice(0, 200)) await fn(x);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    for (const x of inputs) {
      const t0 = performance.now();
      const out = fn(x);
      // Async checks (secretlint's API is async) are awaited, as the pipeline awaits them.
      if (out instanceof Promise) await out;
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), n: times.length };
}

const signal = new AbortController().signal;
const runSync = (check, params) => check.run({ agentId: 'bench', actionType: 'bench', params }, signal);

/** 100-line files per language, cut from the code rows of the evals (shared and our own). */
function codeFiles(evalDirs) {
  const byLang = new Map();
  for (const dir of evalDirs) {
    for (const f of ['insecurecode-cyberseceval.jsonl', 'insecure-code-bridle.jsonl']) {
      const path = join(dir, f);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
        const r = JSON.parse(line);
        if (!r.code) continue;
        const lang = r.lang === 'py' ? 'python' : r.lang;
        byLang.set(lang, [...(byLang.get(lang) ?? []), ...r.code.split('\n')]);
      }
    }
  }
  const files = [];
  for (const [lang, lines] of byLang) {
    for (let i = 0; i + 100 <= lines.length && files.filter((f) => f.lang === lang).length < 30; i += 100) files.push({ lang, code: lines.slice(i, i + 100).join('\n') });
  }
  return files;
}

export async function latencyRows(evalDirs) {
  const rows = [];
  const inputs = posts(1000);
  const content = Object.keys(CONTENT).filter((k) => checkKinds.includes(k));
  const built = await Promise.all(content.map(async (k) => (await scanChecks([k], { [k]: CONTENT[k] }))[0]));
  for (const { name, check } of built) {
    const m = await measure(inputs, (p) => runSync(check, p));
    rows.push({ what: `${name} on a 280-char post`, ...m, target: '' });
  }
  // As the pipeline runs them: all at once, awaiting only the async ones.
  const all = await measure(inputs, (p) => {
    const pending = [];
    for (const { check } of built) {
      const r = runSync(check, p);
      if (r instanceof Promise) pending.push(r);
    }
    return pending.length ? Promise.all(pending) : undefined;
  });
  rows.push({ what: `**all ${built.length} default content checks** on a 280-char post`, ...all, target: 'p50 ≤ 0.5 ms', met: all.p50 <= 0.5 });
  if (checkKinds.includes('prompt_injection')) {
    const [pi] = await scanChecks(['prompt_injection']);
    rows.push({ what: 'prompt_injection (input check) on a 280-char text', ...(await measure(inputs, (p) => runSync(pi.check, p))), target: '' });
  }
  const files = codeFiles(evalDirs);
  const code = ['code_security', 'code_perf'].filter((k) => checkKinds.includes(k));
  if (files.length > 0 && code.length > 0) {
    const checks = await scanChecks(code);
    const params = files.map((f) => ({ code: f.code, lang: f.lang, text: f.code }));
    for (const { name, check } of checks) rows.push({ what: `${name} on a 100-line file (${[...new Set(files.map((f) => f.lang))].join(', ')})`, ...(await measure(params, (p) => runSync(check, p), 5)), target: '' });
    const both = await measure(params, (p) => Promise.all(checks.map(({ check }) => runSync(check, p))), 5);
    rows.push({ what: `**${code.join(' + ')}** on a 100-line file`, ...both, target: 'p50 ≤ 10 ms', met: both.p50 <= 10 });
  }
  if (checkKinds.includes('typecheck')) {
    const ts = files.filter((f) => f.lang === 'javascript' || f.lang === 'typescript').map((f) => ({ code: f.code, lang: 'typescript', text: f.code }));
    if (ts.length > 0) {
      const [tc] = await scanChecks(['typecheck']);
      const t0 = performance.now();
      await runSync(tc.check, ts[0]);
      const cold = performance.now() - t0;
      const m = await measure(ts, (p) => runSync(tc.check, p), 3);
      rows.push({ what: `typecheck on a 100-line file (first run in the process: ${cold.toFixed(0)} ms)`, ...m, target: 'reported separately' });
    }
  }
  return rows;
}

export async function latencyTable(evalDirs) {
  const rows = await latencyRows(evalDirs);
  const out = ['| what | runs | p50 ms | p99 ms | target | met |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) out.push(`| ${r.what} | ${r.n} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`);
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await latencyTable([join(process.cwd(), '..', 'shared', 'evals'), join(process.cwd(), 'evals')]));
