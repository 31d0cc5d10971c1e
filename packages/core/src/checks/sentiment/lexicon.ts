import { createRequire } from 'node:module';
import Sentiment from 'sentiment';

/*
 * The `sentiment` package scores text against AFINN-165: a list of about 3,400 English words
 * (plus emoji) rated -5..5 by hand, summed per token, with a word's score flipped after "not",
 * "don't" and the like. It is English-only and lexicon-based: it has no idea of context,
 * sarcasm, stemming ("idiot" scores, "idiots" does not) or any other language, where it simply
 * finds nothing and calls the text neutral. Treat it as a tone tripwire, not a judgment.
 */

const require = createRequire(import.meta.url);

/** The library's own English lexicon object: the one `analyze({ extras })` merges into. */
const english = require('sentiment/languages/en/index.js') as { labels: Record<string, number> };

/** Words that flip the score of the word after them, as the library's English strategy uses them. */
export const NEGATORS: ReadonlySet<string> = new Set(Object.keys(require('sentiment/languages/en/negators.json') as object));

const analyzer = new Sentiment();

/**
 * sentiment 5 applies `extras` with `Object.assign(labels, extras)` on the shared English
 * lexicon, so one check's overrides would silently stay in force for every other check in the
 * process. `analyze` undoes that right after each call, which needs our `english` to be the
 * very object the library mutates; this probe proves it once at load.
 */
function sharesLexicon(): boolean {
  const probe = '\u0000bridle-probe';
  analyzer.analyze('', { extras: { [probe]: 1 } });
  const shared = Object.hasOwn(english.labels, probe);
  delete english.labels[probe];
  return shared;
}

export const EXTRAS_ISOLATED = sharesLexicon();

export type Extras = Readonly<Record<string, number>>;

/** The library's analysis of `text`, with `extras` in force for this call only. */
export function analyze(text: string, extras: Extras | undefined): Sentiment.AnalysisResult {
  if (extras === undefined) return analyzer.analyze(text);
  const labels = english.labels;
  const saved = new Map<string, number | undefined>();
  for (const word of Object.keys(extras)) saved.set(word, Object.hasOwn(labels, word) ? labels[word] : undefined);
  try {
    return analyzer.analyze(text, { extras: { ...extras } });
  } finally {
    for (const [word, score] of saved) {
      if (score === undefined) delete labels[word];
      else labels[word] = score;
    }
  }
}
