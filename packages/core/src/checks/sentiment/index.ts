import { z } from 'zod';
import type Sentiment from 'sentiment';
import { BridleError } from '../../errors.js';
import { textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { analyze, EXTRAS_ISOLATED, NEGATORS } from './lexicon.js';
import { sameTokens, tokenSpans, tokenWords } from './tokens.js';
import { sentimentOptions, type SentimentOptions } from './options.js';
export { sentimentOptions, type SentimentOptions } from './options.js';

export { tokenSpans } from './tokens.js';


/** At most this many words are reported, the most negative first. */
const MAX_FINDINGS = 10;

interface Scored {
  finding: Finding;
  score: number;
  /** Which field (in `fields` order) and which token in it, for reading order among equals. */
  fieldNo: number;
  token: number;
}

/** The words that pulled the text down, with their spans when our tokens line up with the library's. */
function negativeWords(field: string, fieldNo: number, text: string, r: Sentiment.AnalysisResult, out: Scored[]): void {
  const spans = tokenSpans(text);
  const aligned = sameTokens(tokenWords(text, spans), r.tokens);
  // `calculation` lists the scored tokens last to first; walk the tokens back in step with it.
  let cursor = r.tokens.length;
  for (const entry of r.calculation) {
    const [word, score] = Object.entries(entry)[0] ?? ['', 0];
    let i = cursor - 1;
    while (i >= 0 && r.tokens[i] !== word) i--;
    if (i < 0) break;
    cursor = i;
    if (score >= 0) continue;
    // A negative score after "not" is a positive word negated ("not good"): show both words.
    const negated = i > 0 && NEGATORS.has(r.tokens[i - 1]!);
    const first = aligned ? spans[negated ? i - 1 : i] : undefined;
    const last = aligned ? spans[i] : undefined;
    const span = first && last ? { start: first.start, end: last.end } : undefined;
    const match = span ? text.slice(span.start, span.end) : negated ? `${r.tokens[i - 1]} ${word}` : word;
    const message = `"${match}" scores ${score}${negated ? ` (negated "${word}")` : ''}`;
    out.push({ finding: { message, field, ...(span ? { span } : {}), match }, score, fieldNo, token: i });
  }
}

/**
 * `sentiment`: the tone of each text field, scored with the AFINN-165 lexicon (English only;
 * see lexicon.ts for what that misses), is not more negative than `min_score`. The check's
 * score is 1 for neutral or positive text and falls linearly to 0 at a comparative score of -1
 * (every token a mildly negative word), so a cheerful post is not rated above a plain one.
 *
 * @example
 *   checks:
 *     - sentiment: { min_score: -0.2, fields: [text, title], extras: { killer: 2 }, on_fail: require_approval }
 */
export const sentiment = defineCheck({
  name: 'sentiment',
  description: 'Flags text whose AFINN-165 sentiment (English only) is more negative than a threshold.',
  options: sentimentOptions,
  create(options) {
    const extras = options.extras && Object.keys(options.extras).length > 0 ? { ...options.extras } : undefined;
    if (extras && !EXTRAS_ISOLATED) {
      throw new BridleError('BRIDLE_E_CONFIG', 'sentiment: extras cannot be kept to this check: the sentiment package was loaded twice');
    }
    const { min_score: minScore } = options;
    const fields = [...new Set(options.fields)];

    return {
      name: 'sentiment',
      sync: true,
      run(input): CheckResult {
        let lowest: number | undefined;
        const below: string[] = [];
        const words: Scored[] = [];
        let fieldNo = 0;
        for (const { field, text } of textFields(input.params, fields)) {
          fieldNo++;
          const r = analyze(text, extras);
          lowest = Math.min(lowest ?? Infinity, r.comparative);
          if (r.comparative >= minScore) continue;
          below.push(`${field} sentiment ${r.comparative.toFixed(2)} is below ${minScore}`);
          negativeWords(field, fieldNo, text, r, words);
        }
        if (lowest === undefined) return { passed: true, score: 1, reason: 'no text to score', findings: [] };
        const score = Math.min(1, Math.max(0, 1 + lowest));
        if (below.length === 0) {
          return { passed: true, score, reason: `sentiment ${lowest.toFixed(2)} is not below ${minScore}`, findings: [] };
        }
        words.sort((a, b) => a.score - b.score || a.fieldNo - b.fieldNo || a.token - b.token);
        const findings = words.slice(0, MAX_FINDINGS).map((w) => w.finding);
        const worst = findings.slice(0, 3).map((f) => `"${f.match}"`);
        const reason = below.join('; ') + (worst.length > 0 ? ` (most negative: ${worst.join(', ')})` : '');
        return { passed: false, score, reason, findings, category: 'negative_sentiment' };
      },
    };
  },
});
