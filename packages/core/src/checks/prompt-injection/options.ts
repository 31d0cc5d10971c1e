import { z } from 'zod';
import { remoteOptions } from './remote.js';

const probability = (what: string) =>
  z.number({ error: `${what} must be a number from 0 to 1` }).min(0, { error: `${what} is a probability, 0 to 1` }).max(1, { error: `${what} is a probability, 0 to 1` });

export const promptInjectionOptions = z
  .object({
    /** Top-level params to read (each scored on its own); missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1, { error: 'fields needs at least one parameter name' }).default(['text']),
    /** Injection probability at or above which a field is flagged; lower catches more and flags more benign text. */
    // Absent: the trained model's own threshold (DEFAULT_THRESHOLD), read when the check is created,
    // so validating a policy does not load the model.
    threshold: probability('threshold').optional(),
    /** An optional model server consulted as well; the text is flagged when either flags it. */
    remote: remoteOptions.optional(),
  })
  .strict();

export type PromptInjectionOptions = z.output<typeof promptInjectionOptions>;
