import type { Brand } from '../brand.js';
import type { Slot } from '../calendar.js';
import type { Feedback } from '../client.js';
import type { Draft } from '../state.js';

/** What a writer is asked for: one post for one slot, or a revision of one Bridle sent back. */
export interface DraftRequest {
  brand: Brand;
  slot: Slot;
  /** Set when revising: the draft Bridle sent back, and why. */
  revise?: { previous: Draft; feedback: Feedback };
}

/**
 * Writes posts. `name` is recorded with every draft (and shown to approvers in the rationale),
 * so a reviewer always knows whether a model or the offline templates wrote it.
 */
export interface Writer {
  readonly name: string;
  draft(req: DraftRequest): Promise<Draft>;
}
