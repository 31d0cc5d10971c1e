// Shared helpers for the benchmarks: realistic posts, the policy, statistics, formatting.
// Plain ESM, no dependencies beyond the built workspace packages.
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../packages/core/dist/util/random.js';

/** Deterministic PRNG (mulberry32) so every run submits the same posts. */
export const rng = mulberry32;

export const POLICY_YAML = `
agents:
  bench-bot: { mode: auto, budget: { daily_usd: 1000000 }, rate: { per_minute: 1000000 } }
actions:
  social.post:
    estimate_usd: 0.000001
    checks:
      - max_length: {}
      - banned_phrases: { list: [guaranteed returns, risk-free, get rich quick] }
`;

const OPENERS = [
  'Shipping day!', 'Quick thread on what we learned this quarter:', 'Hot take:', 'We just crossed 10k users 🎉',
  'New on the blog:', 'Reminder for founders:', 'Behind the scenes at the studio today.', 'Three things nobody tells you about growth:',
  'Café crème, croissant and a roadmap review ☕', 'Big news from the team 🚀', 'Honest question for my network:', 'Weekend reading:',
];
const MIDDLES = [
  'Our onboarding went from 11 steps to 4 and activation jumped by a third.',
  'Most of the gains came from deleting features, not adding them.',
  'We interviewed 40 customers and the same word kept coming up: trust.',
  'Pricing pages convert better when they answer the objection before the question.',
  'The team rewrote the importer in a week; imports are now 6x faster.',
  'Señor Pérez from our Madrid office ran the numbers twice — they hold up.',
  'If your dashboard needs a tutorial, it needs a redesign.',
  'Consistency beats intensity: one useful post a day, every day, for a year.',
  'Our support queue is down 38% since we added inline docs.',
  'Naïve metrics reward noise; measure retention at week 8 instead.',
];
const CLOSERS = [
  'Details: https://example.com/blog/q3-review?utm_source=x', 'Full write-up at acme.io/notes', 'What would you add?',
  '#buildinpublic #startups', 'Thoughts? 👇', 'Link in bio.', '— the growth team 💚', 'Read more: https://news.example.org/p/12345',
];

function sentence(r, list) {
  return list[Math.floor(r() * list.length)];
}

/** A ~280-char social post for `platform`; X posts stay under X's weighted limit. */
function post(r, platform) {
  let text = `${sentence(r, OPENERS)} ${sentence(r, MIDDLES)}`;
  const target = platform === 'x' ? 200 + Math.floor(r() * 50) : 240 + Math.floor(r() * 80);
  while (text.length < target - 60) text += ` ${sentence(r, MIDDLES)}`;
  text += ` ${sentence(r, CLOSERS)}`;
  if (platform === 'x' && text.length > 270) text = text.slice(0, 268).trimEnd() + '…';
  // About 1 in 50 drafts trips banned_phrases, so the blocked path is exercised too.
  if (r() < 0.02) text = `Risk-free, guaranteed returns! ${text}`.slice(0, 270);
  const params = { platform, text };
  if (platform === 'reddit') params.title = text.slice(0, 60);
  return params;
}

/**
 * The V8 heap settings Bridle's server runs with: `npm start` passes them, and
 * docs/configuration.md ("Memory") recommends them for `bridle start` (as NODE_OPTIONS). Bridle's
 * servers are started with them here so the benchmark measures what a deployment runs; the
 * baselines keep Node's defaults. A test keeps this list, package.json and the docs in step.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=512'];

/** Peak resident memory of this process since it started (VmHWM), in bytes; NaN off Linux. */
export function peakRss() {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

export const PLATFORMS = ['x', 'instagram', 'tiktok', 'linkedin', 'reddit'];

/** `n` distinct post params, round-robin over platforms, reproducible. */
export function makePosts(n, seed = 42) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) out.push(post(r, PLATFORMS[i % PLATFORMS.length]));
  return out;
}

// ── statistics ──────────────────────────────────────────────────────────────────────────────

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) : 'n/a');
export const fmtX = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');
export const mb = (bytes) => bytes / (1024 * 1024);

/** Markdown table from a header row and body rows. */
export function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ── optional CPU profiles of single sections ────────────────────────────────────────────────

/**
 * Runs `fn`; with BENCH_PROFILE=dir set, records a CPU profile of just that section to
 * dir/name.cpuprofile (open it in Chrome DevTools, or summarise with bench/profile-summary.js).
 */
export async function profiled(name, fn) {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return fn();
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
    log(`profile written: ${join(dir, `${name}.cpuprofile`)}`);
  }
}
