import { BridleError } from '../../errors.js';
import { sha256Hex } from '../../json.js';
import { textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { JudgeClient } from './client.js';
import { Lru } from './lru.js';
import { llmJudgeOptions } from './options.js';
import { judgeMessages, systemPrompt } from './prompt.js';
import { findingsOf, parseReply } from './verdict.js';

export { llmJudgeOptions, type LlmJudgeOptions } from './options.js';
export { locate } from './verdict.js';

/** Judgements kept per check instance, so re-verifying the same content does not pay twice. */
export const CACHE_SIZE = 256;

interface Judgement {
  score: number;
  reason: string;
  findings: Finding[];
  model: string;
  totalTokens: number | undefined;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * `llm_judge`: scores content against a rubric in plain words (brand voice, professionalism, "no
 * medical advice"…) with a separate model behind any OpenAI-compatible Chat Completions endpoint.
 * Passes when the score is at least `threshold`; each issue the judge quotes becomes a finding
 * with its span. When the judge cannot answer (down, slow, malformed reply) the check throws and
 * `on_error` applies, by default `require_approval`: a human decides instead of the judge.
 *
 * @example
 *   checks:
 *     - llm_judge:
 *         rubric: Friendly and professional. No medical advice, no promises of results.
 *         model: gpt-4o-mini
 *         api_key_env: OPENAI_API_KEY
 *         on_fail: require_approval
 */
export const llmJudge = defineCheck({
  name: 'llm_judge',
  description: 'Scores content against a rubric with a separate model (any OpenAI-compatible endpoint).',
  options: llmJudgeOptions,
  // A remote model needs more time than a text check, and an unavailable judge should not
  // silently block every post: a human looks at it instead.
  defaults: { onError: 'require_approval', timeoutMs: 10_000 },
  create(options) {
    let apiKey: string | undefined;
    if (options.api_key_env) {
      apiKey = process.env[options.api_key_env];
      if (!apiKey) {
        throw new BridleError('BRIDLE_E_CONFIG', `llm_judge: environment variable ${options.api_key_env} (named by api_key_env) is not set; export it with the judge's API key before starting Bridle`, { variable: options.api_key_env });
      }
    }
    const client = new JudgeClient({ baseUrl: options.base_url, model: options.model, apiKey, headers: options.headers ?? {}, maxTokens: options.max_tokens });
    const system = systemPrompt(options.rubric, options.examples);
    const fields = [...new Set(options.fields)];
    const cache = new Lru<Judgement>(CACHE_SIZE);

    const judge = async (texts: { field: string; text: string }[], signal: AbortSignal): Promise<{ j: Judgement; cached: boolean }> => {
      const messages = judgeMessages(system, texts);
      // Keyed on exactly what would be sent: rubric and examples (in the system prompt), model and content.
      const key = sha256Hex(JSON.stringify([options.base_url, options.model, messages]));
      const hit = cache.get(key);
      if (hit) return { j: hit, cached: true };
      const c = await client.complete(messages, signal);
      const reply = parseReply(c.content);
      const j: Judgement = { score: reply.score, reason: clip(reply.reason.trim(), 500), findings: findingsOf(reply.issues, texts), model: c.model, totalTokens: c.totalTokens };
      cache.set(key, j);
      return { j, cached: false };
    };

    return {
      name: 'llm_judge',
      async run(input, signal): Promise<CheckResult> {
        const texts = textFields(input.params, fields).filter((t) => t.text.trim() !== '');
        if (texts.length === 0) return { passed: true, score: 1, reason: 'no text to judge', findings: [] };
        const { j, cached } = await judge(texts, signal);
        const passed = j.score >= options.threshold;
        const verdict = passed ? `score ${round(j.score)} meets the threshold ${options.threshold}` : `score ${round(j.score)} is below the threshold ${options.threshold}`;
        const by = `judge ${j.model}${j.totalTokens !== undefined ? `, ${j.totalTokens} tokens` : ''}${cached ? ', cached' : ''}`;
        const result: CheckResult = {
          passed,
          score: j.score,
          reason: `${verdict}${j.reason ? `: ${j.reason}` : ''} (${by})`,
          // Copies: the pipeline may keep or change what it is handed, and the cache must not change.
          findings: j.findings.map((f) => ({ ...f, ...(f.span ? { span: { ...f.span } } : {}) })),
        };
        if (!passed) result.category = 'llm_judge';
        return result;
      },
    };
  },
});
