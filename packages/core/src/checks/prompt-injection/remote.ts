import { z } from 'zod';
import { BridleError } from '../../errors.js';

export const remoteOptions = z
  .object({
    /** A Hugging Face text-classification endpoint: POST {"inputs": text} → [{label, score}]. */
    url: z
      .string({ error: 'remote.url is required: the classifier endpoint, e.g. http://127.0.0.1:8080/predict' })
      .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), { error: 'remote.url must be an absolute http:// or https:// URL' }),
    /** Time allowed for one classification; keep it below the check's own timeout_ms. */
    timeout_ms: z.number().int().positive().max(60_000, { error: 'remote.timeout_ms is at most 60000' }).default(1000),
    /** The label (or labels, summed) that mean injection, compared without regard to case. */
    label: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1, { error: 'remote.label needs at least one label' })])
      .transform((l) => (Array.isArray(l) ? l : [l]))
      .default(['INJECTION', 'JAILBREAK']),
    /** Probability from the endpoint at or above which the text is flagged. */
    threshold: z.number().min(0, { error: 'remote.threshold is a probability, 0 to 1' }).max(1, { error: 'remote.threshold is a probability, 0 to 1' }).default(0.5),
    /** Environment variable holding a bearer token for the endpoint (read at policy load). */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'remote.api_key_env is the NAME of an environment variable, e.g. HF_TOKEN' })
      .optional(),
    /** Only the first this many characters of a field are sent; the local model still reads all of it. */
    max_chars: z.number().int().positive().max(1_000_000).default(20_000),
  })
  .strict();

export type RemoteOptions = z.output<typeof remoteOptions>;

const prediction = z.object({ label: z.string(), score: z.number().min(0).max(1) });
/** Inference Endpoints answer [{…}] for one input; text-embeddings-inference /predict may nest it once. */
const predictions = z.union([z.array(prediction).min(1), z.tuple([z.array(prediction).min(1)]).transform(([p]) => p)]);

/**
 * The injection probability from a list of predictions: the scores of the injection labels,
 * summed (Prompt-Guard-style models split injection and jailbreak); if the endpoint returned only
 * other labels (a top-1 answer such as [{"label": "SAFE", "score": 0.98}]), one minus theirs.
 */
export function injectionProbability(preds: readonly { label: string; score: number }[], labels: readonly string[]): number {
  const wanted = new Set(labels.map((l) => l.toLowerCase()));
  let hit = 0;
  let other = 0;
  let found = false;
  for (const p of preds) {
    if (wanted.has(p.label.toLowerCase())) {
      hit += p.score;
      found = true;
    } else other += p.score;
  }
  return Math.min(1, Math.max(0, found ? hit : 1 - other));
}

/** Reads the API key named by api_key_env, failing at policy load rather than on every action. */
export function remoteAuth(opts: RemoteOptions): string | undefined {
  if (!opts.api_key_env) return undefined;
  const key = process.env[opts.api_key_env];
  if (!key) throw new BridleError('BRIDLE_E_CONFIG', `prompt_injection: remote.api_key_env names ${opts.api_key_env}, which is not set`);
  return key;
}

const fail = (message: string, cause?: unknown): BridleError =>
  new BridleError('BRIDLE_E_CONNECTOR', `prompt_injection remote classifier: ${message}`, undefined, cause === undefined ? undefined : { cause });

/**
 * Asks the remote classifier for one text's injection probability. Every failure — a non-2xx
 * status, a body that is not the expected JSON, a timeout — throws, so the pipeline fails closed
 * (unless the policy sets on_error). Aborting `signal` (the pipeline's own timeout) cancels it.
 */
export async function classifyRemote(opts: RemoteOptions, auth: string | undefined, text: string, signal: AbortSignal): Promise<number> {
  const timeout = AbortSignal.timeout(opts.timeout_ms);
  let body: string;
  let status: number;
  try {
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify({ inputs: text.slice(0, opts.max_chars) }),
      signal: AbortSignal.any([signal, timeout]),
    });
    status = res.status;
    body = await res.text();
  } catch (e) {
    if (timeout.aborted && !signal.aborted) throw fail(`no answer within ${opts.timeout_ms} ms`, e);
    if (signal.aborted) throw fail('aborted', e);
    throw fail(`request failed: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`, e);
  }
  if (status < 200 || status > 299) throw fail(`HTTP ${status}: ${body.slice(0, 200)}`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw fail(`answer is not JSON: ${JSON.stringify(body.slice(0, 100))}`, e);
  }
  const parsed = predictions.safeParse(json);
  if (!parsed.success) throw fail(`answer is not [{label, score}]: ${JSON.stringify(body.slice(0, 100))}`);
  return injectionProbability(parsed.data, opts.label);
}
