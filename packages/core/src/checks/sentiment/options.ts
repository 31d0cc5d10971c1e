import { z } from 'zod';

/** Characters the library's tokenizer splits on; an extras word containing one could never match. */
const BREAKS = '.,/#!?$%^&*;:{}=_`"~()';

/** True when the library's tokenizer could produce `word` as a token (lower case, no break characters). */
function isToken(word: string): boolean {
  return word.length > 0 && word === word.toLowerCase() && !/\s/.test(word) && ![...word].some((c) => BREAKS.includes(c));
}

// Keys are checked here rather than with a key schema, whose failure zod reports only as "Invalid key in record".
const extrasSchema = z.record(z.string(), z.number().min(-5).max(5)).superRefine((words, ctx) => {
  for (const word of Object.keys(words)) {
    if (isToken(word)) continue;
    const message = `${JSON.stringify(word)} can never match: an extras word is one lowercase token, without spaces or any of ${[...BREAKS].join(' ')}`;
    ctx.addIssue({ code: 'custom', path: [word], message });
  }
});

export const sentimentOptions = z
  .object({
    /** Fail when a field's comparative score (AFINN points per token) is below this. */
    min_score: z.number().min(-5).max(5).default(-0.2),
    /** Top-level params to score, each on its own; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
    /** Words to add to AFINN or re-score, -5 (hostile) to 5 (glowing), e.g. `{ killer: 2 }` for a brand voice. */
    extras: extrasSchema.optional(),
  })
  .strict();

export type SentimentOptions = z.output<typeof sentimentOptions>;
