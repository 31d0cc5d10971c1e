import { z } from 'zod';

const entropyOptions = z
  .object({
    /** Also flag random-looking values given to secret names (`api_key = "…"`), whatever the vendor. */
    enabled: z.boolean().default(true),
    /**
     * Also flag free-standing random tokens, with no name, vendor prefix or context. Off by
     * default: random ids, signatures, CSRF tokens and data blobs look the same and are far more
     * common in agent output; the ~220 vendor formats and assigned values cover real leaks.
     */
    free_standing: z.boolean().default(false),
    /** Shortest free-standing token judged by entropy alone. */
    min_length: z.number().int().min(8).max(1000).default(20),
    /** Shannon entropy, in bits per character, that a free-standing token needs. */
    threshold: z.number().min(1).max(6).default(3.5),
    /** Shortest value, assigned to a name such as `api_key` or `password`, judged by entropy. */
    assigned_min_length: z.number().int().min(4).max(1000).default(8),
    /** Entropy an assigned value needs; lower, since its name already says "secret". */
    assigned_threshold: z.number().min(0).max(6).default(2.5),
  })
  .strict();

export const secretsOptions = z
  .object({
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
    entropy: entropyOptions.prefault({}),
  })
  .strict();

export type SecretsOptions = z.output<typeof secretsOptions>;
