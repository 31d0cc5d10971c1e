import type { BudgetLedger } from '../guards/budget/ledger.js';
import type { KillState } from '../guards/kill/switches.js';
import type { History } from '../approvals/history.js';
import type { Breakers } from '../guards/breaker/index.js';
import type { AnomalyDetector } from '../guards/anomaly/index.js';
import type { RateLimiter } from '../guards/rate/bucket.js';
import type { SharedRateLimiter } from '../guards/rate/shared.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { CompiledAction, CompiledAgent, Policy } from '../policy/compile.js';
import type { BudgetUsageTable } from '../store/schema.js';
import type { WriteSet } from '../store/writer.js';
import type { Clock, IdGenerator } from '../util/clock.js';
import type { ActionRecord, CheckReport, Decision, DecisionCode } from './types.js';
import type { ActionStatus } from './lifecycle.js';

export const PHASES = ['admit', 'verify', 'guard', 'approve', 'execute', 'settle'] as const;
export type Phase = (typeof PHASES)[number];

export interface Services {
  clock: Clock;
  ids: IdGenerator;
  write(set: WriteSet): Promise<void>;
  ledger: BudgetLedger;
  /** In memory on the embedded store; shared through Postgres otherwise. */
  rate: RateLimiter | SharedRateLimiter;
  breakers: Breakers;
  /** The anomaly detector, when the policy has `guards.anomaly`. */
  anomaly: AnomalyDetector | null;
  /** The agent's mode now: an operator's run-time switch, else the policy's. */
  modeOf(agent: CompiledAgent): 'draft' | 'auto';
  /** What the agent has done before, for approval rules that use `novel`. */
  history: History;
  /** True the first time a key is seen by this instance (soft budget alerts fire once per period). */
  firstTime(key: string): boolean;
  /** The kill switch or pause that stops this agent's action of this type, if any. */
  stopped(agentId: string, type: string): KillState | null;
  /** Instrumentation (traces, metrics, logs); when unset the pipeline does no extra work. */
  observer?: PipelineObserver | undefined;
}

/** Called when a phase ends: with the halt that stopped the pipeline, or the error a stage threw. */
export type PhaseEnd = (halt: Halt | undefined, error: unknown) => void;

/**
 * Hooks for observability, set with `BridleOptions.observer` or `bridle.observe()`. They are
 * called synchronously on the hot path, so they must be cheap and must not throw.
 */
export interface PipelineObserver {
  /** A phase is starting for `ctx.record`; the function returned, if any, is called when it ends. */
  phase?(phase: Phase, ctx: StageContext): PhaseEnd | undefined;
  /**
   * A status change was made. It is not durable yet: `onAction` fires once the commit that
   * carries it lands (one commit may carry several transitions of one action).
   */
  transition?(rec: ActionRecord, from: ActionStatus, to: ActionStatus): void;
}

/** Something a guard noticed: emitted after the decision is durable. */
export interface GuardEvent {
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  agentId?: string;
  [field: string]: JsonValue | undefined;
}

/** What every stage sees. Stages add what they learn; the engine turns it into a Decision. */
export interface StageContext {
  readonly services: Services;
  readonly policy: Policy;
  readonly agent: CompiledAgent;
  readonly action: CompiledAction;
  readonly record: ActionRecord;
  checks: CheckReport[];
  /** Reasons a human must look, collected by verify and approve. */
  approvalReasons: string[];
  needsApproval: boolean;
  /** Numbers behind guard decisions, recorded in the decision. */
  guards: JsonObject;
  /** 0 for a first submission, n for the n-th revision after `needs_revision`. */
  revision: number;
  maxRetries: number;
  feedback?: Decision['feedback'];
  /** Checks that redacted the parameters, with what they found (masked); the original's hash. */
  redactions: { check: string; findings: CheckReport['findings'] }[];
  redactedFrom?: string;
  /** Ledger snapshots to commit with the decision (embedded store). */
  budgetRows?: BudgetUsageTable[];
  /** Things guards noticed, for alerts and dashboards (e.g. a budget threshold crossed). */
  events: GuardEvent[];
  /** Set by a guard that wants the agent paused (a budget with on_cap: pause, an anomaly). */
  pause?: { by: string; reason: string };
  /** Concurrency slots this action holds until it finishes. */
  rateHeld?: string[];
  /** Half-open breaker scopes this action holds a probe slot of. */
  breakerProbe?: string[];
  /** When set, connector writes are collected here to join the decision's commit. */
  deferred?: WriteSet[];
  /** Filled by execute, read by settle. */
  execution?: { ok: boolean; result: JsonValue; error?: { code: string; message: string }; costMicroUsd: number; durationMs: number };
}

/** A stage stops the pipeline by returning a halt; `undefined` means carry on. */
export interface Halt {
  code: DecisionCode;
  reason: string;
  retryAfterMs?: number;
}

/** The one stage signature of every phase. */
export type Stage = (ctx: StageContext) => Halt | void | Promise<Halt | void>;

export type Pipeline = Readonly<Record<Phase, readonly Stage[]>>;

/** Runs the named phases in order; synchronous stages cost no promise. */
export async function runPhases(pipeline: Pipeline, phases: readonly Phase[], ctx: StageContext): Promise<Halt | undefined> {
  // A separate loop, so an unobserved pipeline pays one property read and nothing else.
  const observer = ctx.services.observer;
  if (observer?.phase) return runObserved(pipeline, phases, ctx, observer);
  for (const phase of phases) {
    for (const stage of pipeline[phase]) {
      let r = stage(ctx);
      if (r instanceof Promise) r = await r;
      if (r) return r;
    }
  }
  return undefined;
}

async function runObserved(pipeline: Pipeline, phases: readonly Phase[], ctx: StageContext, observer: PipelineObserver): Promise<Halt | undefined> {
  for (const phase of phases) {
    const end = observer.phase?.(phase, ctx);
    let halt: Halt | undefined;
    try {
      for (const stage of pipeline[phase]) {
        let r = stage(ctx);
        if (r instanceof Promise) r = await r;
        if (r) {
          halt = r;
          break;
        }
      }
    } catch (e) {
      end?.(undefined, e);
      throw e;
    }
    end?.(halt, undefined);
    if (halt) return halt;
  }
  return undefined;
}
