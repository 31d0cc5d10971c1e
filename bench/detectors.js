// npm run bench:detectors — scores Bridle's detectors on the labelled data in ../shared/evals/
// (precision, recall, false-positive rate, F1 and latency, per file and per category) and
// writes the table into docs/benchmarks.md. Usage: node bench/detectors.js [--no-docs] [--evals DIR] [--only CHECK]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkKinds, scanChecks, scanOne } from '../packages/core/dist/index.js';
import { latencyTable } from './latency.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const evals = resolve(args.includes('--evals') ? args[args.indexOf('--evals') + 1] : join(root, '..', 'shared', 'evals'));
if (!existsSync(evals)) {
  console.error(`error BRIDLE_E_NOT_FOUND: no labelled data at ${evals} (pass --evals DIR)`);
  process.exit(1);
}

const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const read = (f, dir = evals) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Which entity a PII finding is, from its category or, failing that, its message. */
const PII_WORDS = { email: /email/i, phone: /phone/i, card: /card/i, iban: /iban/i, ssn: /ssn|social security/i, address: /address/i };
function piiTypes(result) {
  const out = new Set();
  for (const f of result.findings) {
    if (f.category && f.category in PII_WORDS) out.add(f.category);
    // Older detectors name the entity only in the message; "email address" is not an address.
    else for (const [t, re] of Object.entries(PII_WORDS)) if (re.test(f.message) && !(t === 'address' && /email/i.test(f.message))) out.add(t);
  }
  if (out.size === 0 && result.category && result.category in PII_WORDS) out.add(result.category);
  return out;
}

const RECOGNIZER = { email: 'email', phone: 'phone', credit_card: 'card', iban: 'iban', us_ssn: 'ssn' };
const ENTITY = { EMAIL_ADDRESS: 'email', PHONE_NUMBER: 'phone', CREDIT_CARD: 'card', US_SSN: 'ssn', STREET_ADDRESS: 'address' };

/** A code row counts once for its file and once for its language · category. */
const byLangCategory = (r) => ['all', `${r.lang === 'tsx' ? 'typescript' : r.lang} · ${r.category}`].map((category) => ({ category, actual: r.label === true, predicted: (x) => x.flagged }));

/** How each file is scored: which check, and what counts as actual and predicted per row. */
const PLAN = [
  { file: 'secrets-gitleaks.jsonl', check: 'secrets', target: 'recall ≥ 97 %, FPR ≤ 3 %' },
  { file: 'secrets-secretlint.jsonl', check: 'secrets', target: 'recall ≥ 97 %, FPR ≤ 3 %' },
  { file: 'profanity-davidson.jsonl', check: 'profanity', target: 'F1 ≥ 0.85' },
  {
    file: 'pii-presidio-tests.jsonl',
    check: 'pii',
    target: 'recall ≥ 95 %, precision ≥ 90 %',
    // Labels are relative to the row's recognizer; only the recognizers pii covers are scored.
    rows: (r) => (RECOGNIZER[r.recognizer] ? [{ category: RECOGNIZER[r.recognizer], actual: r.label, predicted: (res) => piiTypes(res).has(RECOGNIZER[r.recognizer]) }] : []),
  },
  {
    file: 'pii-presidio-research.jsonl',
    check: 'pii',
    target: 'recall ≥ 95 %, precision ≥ 90 %',
    rows: (r) => Object.values(ENTITY).map((t) => ({ category: t, actual: (r.entities ?? []).some((e) => ENTITY[e.type] === t), predicted: (res) => piiTypes(res).has(t) })),
  },
  { file: 'promptinjection-garak.jsonl', check: 'prompt_injection', target: 'recall ≥ 95 % at ≤ 1 % FP' },
  { file: 'promptinjection-cyberseceval.jsonl', check: 'prompt_injection', target: 'recall ≥ 95 % at ≤ 1 % FP' },
  { file: 'promptinjection-bipia.jsonl', check: 'prompt_injection', target: 'recall ≥ 80 % at ≤ 5 % FP' },
  { file: 'benign-awesome-chatgpt-prompts.jsonl', check: 'prompt_injection', target: 'FP ≤ 1 %' },
  // Code checks get the row's lang; scored per file and per language · category. Bridle's own
  // labelled sets (with benign look-alikes) are in the repo's evals/ folder (dir: 'repo').
  { file: 'insecurecode-cyberseceval.jsonl', check: 'code_security', target: 'recall ≥ 80 % (positives only)', rows: byLangCategory },
  { file: 'insecure-code-bridle.jsonl', dir: 'repo', check: 'code_security', target: 'recall ≥ 80 %, precision ≥ 90 %', rows: byLangCategory },
  { file: 'perf-smells-bridle.jsonl', dir: 'repo', check: 'code_perf', target: 'recall ≥ 80 %, precision ≥ 90 %', rows: byLangCategory },
];

const pct = (n, d) => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)} %`);
const quantile = (xs, q) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] : 0);

const lines = [];
const summary = [];
for (const plan of PLAN) {
  if (only && plan.check !== only) continue;
  const dir = plan.dir === 'repo' ? join(root, 'evals') : evals;
  if (!existsSync(join(dir, plan.file))) continue;
  if (!checkKinds.includes(plan.check)) {
    summary.push(`| ${plan.file} | ${plan.check} | – | – | – | – | – | – | ${plan.target} | no detector yet |`);
    continue;
  }
  const [check] = await scanChecks([plan.check]);
  const stats = new Map();
  const times = [];
  for (const r of read(plan.file, dir)) {
    const res = await scanOne({ id: r.id, ...(r.text !== undefined ? { text: r.text } : { code: r.code, ...(r.lang ? { lang: r.lang } : {}) }) }, [check]);
    times.push(res.durationMs);
    const rows = plan.rows ? plan.rows(r) : [{ category: 'all', actual: r.label === true, predicted: (x) => x.flagged }];
    for (const row of rows) {
      const s = stats.get(row.category) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
      const p = row.predicted(res);
      if (row.actual && p) s.tp++;
      else if (row.actual) s.fn++;
      else if (p) s.fp++;
      else s.tn++;
      stats.set(row.category, s);
    }
  }
  for (const [category, s] of stats) {
    const precision = s.tp + s.fp ? s.tp / (s.tp + s.fp) : NaN;
    const recall = s.tp + s.fn ? s.tp / (s.tp + s.fn) : NaN;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : NaN;
    const label = category === 'all' ? plan.file : `${plan.file} · ${category}`;
    summary.push(
      `| ${label} | ${plan.check} | ${s.tp + s.fn} / ${s.fp + s.tn} | ${pct(s.tp, s.tp + s.fp)} | ${pct(s.tp, s.tp + s.fn)} | ${pct(s.fp, s.fp + s.tn)} | ${Number.isNaN(f1) ? '–' : f1.toFixed(3)} | ${quantile(times, 0.5).toFixed(3)} / ${quantile(times, 0.99).toFixed(3)} | ${plan.target} | |`,
    );
  }
}
lines.push(
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on the development half of each corpus (\`npm run bench:detectors\`). Positives / negatives are rows (for PII, rows × covered entity).`,
  '',
  '| file · category | check | + / − | precision | recall | FPR | F1 | latency p50 / p99 ms | target | note |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...summary,
);
const table = lines.join('\n');
console.log(table);
const latency = only ? '' : `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (\`npm run bench:detectors\`, \`bench/latency.js\`): each check alone, then all together as the pipeline runs them, on 1,000 realistic 280-character posts and on 100-line files cut from the code corpora. The machine is shared and noisy: p99 moves with its load.\n\n${await latencyTable([evals, join(root, 'evals')])}`;
if (latency) console.log(`\n${latency}`);

if (!args.includes('--no-docs') && !only) {
  const doc = join(root, 'docs', 'benchmarks.md');
  let text = readFileSync(doc, 'utf8');
  const start = '<!-- detectors:start -->';
  const end = '<!-- detectors:end -->';
  const block = `${start}\n${table}\n${end}`;
  text = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block) : `${text.trimEnd()}\n\n## Detectors\n\nHow well each detector does on the labelled data in \`../shared/evals/\` (see its README). Tuned on this half; a held-out half checks that the figures generalise.\n\n${block}\n`;
  const ls = '<!-- latency:start -->';
  const le = '<!-- latency:end -->';
  const lblock = `${ls}\n${latency}\n${le}`;
  text = text.includes(ls) ? text.replace(new RegExp(`${ls}[\\s\\S]*${le}`), lblock) : text.replace(end, `${end}\n\n### Check latency\n\n${lblock}`);
  writeFileSync(doc, text);
  console.error(`results written to ${doc}`);
}
