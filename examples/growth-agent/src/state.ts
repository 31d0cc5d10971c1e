import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { BridleError } from '@bridle/core';
import { PLATFORMS } from './platforms.js';

/*
 * What the agent remembers between runs, in one JSON file: for each slot, the draft it submitted
 * and the action Bridle made of it. Each write goes to a temp file, is fsynced, then renamed over
 * the old one, so a crash leaves either the old state or the new one, never half of each.
 */

/**
 * Where a slot stands. `drafted`: the draft is saved but Bridle has not answered yet (a restart
 * resubmits exactly it, under the same idempotency key, and gets the first answer back).
 * The others mirror Bridle's action statuses, plus `draft_failed` (the writer failed; retried
 * next run) and `conflict` (Bridle already holds a different draft under this slot's key: the
 * state file was lost and a model wrote something new; never posted twice).
 */
export const SLOT_STATUSES = ['drafted', 'draft_failed', 'conflict', 'received', 'blocked', 'awaiting_approval', 'approved', 'rejected', 'expired', 'allowed', 'executing', 'succeeded', 'failed', 'undone'] as const;
export type SlotStatus = (typeof SLOT_STATUSES)[number];

/** Nothing more will happen to a slot in one of these. */
export const FINAL: ReadonlySet<SlotStatus> = new Set(['blocked', 'rejected', 'expired', 'failed', 'undone', 'conflict']);

const draftSchema = z
  .object({
    text: z.string(),
    title: z.string().optional(),
    confidence: z.number().min(0).max(1),
    rationale: z.string(),
    writer: z.string(),
  })
  .strict();
export type Draft = z.output<typeof draftSchema>;

const slotSchema = z
  .object({
    slotId: z.string(),
    platform: z.enum(PLATFORMS),
    at: z.number().int(),
    status: z.enum(SLOT_STATUSES),
    /** The idempotency key the current draft was (or will be) submitted with. */
    key: z.string(),
    actionId: z.string().nullable(),
    /** Set while a revision is drafted but not yet answered: the action it revises. */
    revisionOf: z.string().nullable(),
    draft: draftSchema.nullable(),
    /** Revisions submitted after needs_revision decisions. */
    revisions: z.number().int().min(0),
    /** Fresh submissions after a retryable refusal (rate limit). */
    attempts: z.number().int().min(0),
    /** Every action this slot produced, oldest first. */
    history: z.array(z.object({ actionId: z.string(), status: z.string(), code: z.string().nullable() }).strict()),
    code: z.string().nullable(),
    reason: z.string().nullable(),
    updatedAt: z.number().int(),
  })
  .strict();
export type SlotState = z.output<typeof slotSchema>;

const fileSchema = z.object({ version: z.literal(1), slots: z.record(z.string(), slotSchema) }).strict();

/** The persisted state, loaded once and saved after every change. */
export class AgentState {
  private constructor(
    readonly file: string,
    private readonly slots: Map<string, SlotState>,
  ) {}

  /** Loads the file, or starts empty when it does not exist yet. A corrupt file is an error, never silently reset. */
  static load(file: string): AgentState {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new AgentState(file, new Map());
      throw new BridleError('BRIDLE_E_CONFIG', `cannot read the state file ${file}: ${(e as Error).message}`, { file });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new BridleError('BRIDLE_E_CONFIG', `the state file ${file} is not valid JSON; fix or move it (starting afresh would submit every slot again under new drafts)`, { file });
    }
    const r = fileSchema.safeParse(json);
    if (!r.success) throw new BridleError('BRIDLE_E_CONFIG', `the state file ${file} is not a growth-agent state (${r.error.issues[0]?.message ?? 'invalid'})`, { file });
    return new AgentState(file, new Map(Object.entries(r.data.slots)));
  }

  get(slotId: string): SlotState | undefined {
    return this.slots.get(slotId);
  }

  all(): SlotState[] {
    return [...this.slots.values()].sort((a, b) => a.at - b.at || a.slotId.localeCompare(b.slotId));
  }

  /** Replaces a slot's state and makes it durable before returning. */
  put(s: SlotState): void {
    this.slots.set(s.slotId, slotSchema.parse(s));
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body = JSON.stringify({ version: 1, slots: Object.fromEntries(this.slots) }, null, 2) + '\n';
    try {
      writeFileSync(tmp, body, { mode: 0o600 });
      const fd = openSync(tmp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new BridleError('BRIDLE_E_CONFIG', `cannot write the state file ${this.file}: ${(e as Error).message}`, { file: this.file });
    }
  }
}
