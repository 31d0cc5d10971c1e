import { z } from 'zod';
import { compact } from '../banned-phrases/fold.js';

const word = z.string().refine((s) => compact(s).text.length > 0, {
  error: 'a word needs at least one letter or digit',
});

export const profanityOptions = z
  .object({
    /** More words or phrases to flag, each matched whole (list plurals separately). */
    extra: z.array(word).default([]),
    /** Words or phrases never flagged, e.g. `sex` for a health service or `Dick Whitman`. */
    allow: z.array(word).default([]),
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
  })
  .strict();

export type ProfanityOptions = z.output<typeof profanityOptions>;
