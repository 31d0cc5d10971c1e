import { z } from 'zod';

// Only the fields Bridle reads; Slack sends many more, so objects are not strict.
const user = z.object({ id: z.string().min(1) });

export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user,
  trigger_id: z.string().min(1),
  response_url: z.string().url().optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  channel: z.object({ id: z.string() }).optional(),
  message: z.object({ ts: z.string() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() })).min(1),
});

const inputValue = z.object({ value: z.string().nullable().optional() });

export const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user,
  view: z.object({
    id: z.string().min(1),
    callback_id: z.string(),
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), inputValue)) }),
  }),
});

export type BlockActions = z.infer<typeof blockActionsSchema>;
export type ViewSubmission = z.infer<typeof viewSubmissionSchema>;

/** What a button value or the modal's private_metadata binds a decision to. */
export const bindingSchema = z.object({ a: z.string().min(1), h: z.string().min(1), c: z.string().optional(), t: z.string().optional() });
export type Binding = z.infer<typeof bindingSchema>;

export function parseBinding(s: string | undefined): Binding | undefined {
  if (!s) return undefined;
  try {
    const r = bindingSchema.safeParse(JSON.parse(s));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
