#!/usr/bin/env node
// Evaluates the `secrets` check beyond bench/detectors.js: a held-out estimate and a latency figure.
//
//   npx tsc -b packages/core && node scripts/gitleaks/evaluate.mjs [--free] [--seeds N] [--evals DIR]
//
// Held-out: how well the check does on vendor rules it has NOT been given, the situation of a
// corpus half whose rules are unseen. Rows are judged with their own upstream rule switched off
// (the gitleaks rule of that id, or the secretlint rule and its vendors.ts family), so only the
// other rules and the generic detectors can find them. Two splits: leave-one-rule-out, and random
// halves of the rule ids (N seeds × 2 halves, each half's rules off at once, which also removes
// their cross-rule catches). Latency: p50/p99 of the check with default options on 280-character
// posts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const evals = resolve(opt('--evals', join(root, '..', 'shared', 'evals')));
const seeds = Number(opt('--seeds', '10'));
const freeStanding = args.includes('--free');
const dist = join(root, 'packages/core/dist/checks/secrets');
if (!existsSync(join(dist, 'detect.js'))) {
  console.error('build first: npx tsc -b packages/core');
  process.exit(1);
}
const { detectSecrets } = await import(join(dist, 'detect.js'));
const { secrets } = await import(join(dist, 'index.js'));
const { secretlintConfig } = await import(join(dist, 'secretlint.js'));
const tuning = { minLength: 20, threshold: 3.5, assignedMinLength: 8, assignedThreshold: 2.5 };

const read = (f) => readFileSync(join(evals, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const corpora = [
  { name: 'secrets-gitleaks.jsonl', rows: read('secrets-gitleaks.jsonl'), except: (ids) => ids, disable: () => [] },
  {
    name: 'secrets-secretlint.jsonl',
    rows: read('secrets-secretlint.jsonl'),
    // `secretlint-rule-azure` → the vendors.ts family `azure`; the secretlint rule itself is off in its config.
    except: (ids) => ids.map((id) => id.replace('secretlint-rule-', '')),
    disable: (ids) => ids.map((id) => `@secretlint/${id}`),
  },
];

/** Confusion counts for `rows` with the rule ids `held` switched off. */
async function score(corpus, rows, held) {
  const config = secretlintConfig();
  for (const id of corpus.disable(held)) config.rules[0].rules.push({ id, disabled: true });
  const s = { tp: 0, fn: 0, fp: 0, tn: 0 };
  for (const r of rows) {
    const hits = await detectSecrets(r.text, { secretlint: config, tuning, freeStanding, exceptRules: corpus.except(held) });
    const p = hits.length > 0;
    s[r.label ? (p ? 'tp' : 'fn') : p ? 'fp' : 'tn']++;
  }
  return s;
}

const add = (a, b) => ({ tp: a.tp + b.tp, fn: a.fn + b.fn, fp: a.fp + b.fp, tn: a.tn + b.tn });
const pct = (n, d) => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)} %`);
const line = (label, s) => `${label}: recall ${pct(s.tp, s.tp + s.fn)} (${s.fn} missed of ${s.tp + s.fn}), FPR ${pct(s.fp, s.fp + s.tn)} (${s.fp} of ${s.fp + s.tn})`;

/** A deterministic shuffle (mulberry32), so a seed always gives the same halves. */
function shuffled(items, seed) {
  let a = seed + 1;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return items.map((x) => [rnd(), x]).sort((p, q) => p[0] - q[0]).map((p) => p[1]);
}

console.log(`free-standing entropy: ${freeStanding ? 'on' : 'off'}`);
for (const corpus of corpora) {
  const ids = [...new Set(corpus.rows.map((r) => r.subcategory))].sort();
  const all = await score(corpus, corpus.rows, []);
  console.log(line(`${corpus.name} · all rules on`, all));
  let loro = { tp: 0, fn: 0, fp: 0, tn: 0 };
  for (const id of ids) loro = add(loro, await score(corpus, corpus.rows.filter((r) => r.subcategory === id), [id]));
  console.log(line(`${corpus.name} · leave-one-rule-out`, loro));
  let halves = { tp: 0, fn: 0, fp: 0, tn: 0 };
  for (let seed = 0; seed < seeds; seed++) {
    const order = shuffled(ids, seed);
    for (const half of [order.slice(0, order.length >> 1), order.slice(order.length >> 1)]) {
      const held = new Set(half);
      halves = add(halves, await score(corpus, corpus.rows.filter((r) => held.has(r.subcategory)), half));
    }
  }
  console.log(line(`${corpus.name} · random halves held out (${seeds} seeds × 2, pooled)`, halves));
}

// Latency on 280-character posts: the check as a policy runs it, default options, after warm-up.
const check = secrets.create(secrets.options.parse(freeStanding ? { entropy: { free_standing: true } } : {}));
const signal = new AbortController().signal;
const posts = [
  'Excited to announce our new release! Check out the changelog at https://example.com/blog/v2-launch and tell us what you think. Huge thanks to the team for the late nights: the key was persistence. Next up: dashboards, alerts and a brand new API for partners. #launch #devtools #opensource',
  'Quick tip: never hardcode credentials. Use environment variables like process.env.API_KEY and rotate them often. Our docs explain how to set up secret management with Vault in five minutes, including token renewal and audit logs: https://docs.example.com/secrets #security #devops',
  'We just crossed 10,000 users! Thank you all. Ask us anything in the replies; our task today is to answer every question. Meanwhile here is a sneak peek at what is coming next week: account sharing, SSO with Okta and Azure AD, and faster exports to S3. #milestone #saas #startup',
].map((p) => p.slice(0, 280).padEnd(280, ' '));
const times = [];
for (let i = 0; i < 7000; i++) {
  const t0 = performance.now();
  await check.run({ agentId: 'a', actionType: 'social.post', params: { text: posts[i % posts.length] } }, signal);
  if (i >= 2000) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const at = (p) => times[Math.floor(p * times.length)].toFixed(3);
console.log(`latency, 280-character posts: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
