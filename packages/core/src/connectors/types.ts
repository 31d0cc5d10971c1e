import type { z } from 'zod';
import type { JsonObject, JsonValue } from '../json.js';
import type { WriteSet } from '../store/writer.js';
import type { Clock, IdGenerator } from '../util/clock.js';
import { BridleError } from '../errors.js';

export interface ConnectorContext {
  signal: AbortSignal;
  clock: Clock;
  ids: IdGenerator;
  /** Durable write in the same group commit as the action's own record. */
  write(set: WriteSet): Promise<void>;
}

export interface ConnectorRequest {
  actionId: string;
  agentId: string;
  type: string;
  params: JsonObject;
}

export interface ConnectorResult {
  result: JsonValue;
  /** What the side effect actually cost, when the connector knows. */
  costMicroUsd?: number;
}

/** What `undo` and `engagement` get: the original request and what `execute` returned. */
export interface PublishedRequest extends ConnectorRequest {
  result: JsonValue;
}

/** How a published item is doing, in the platform's own counts (absent when it does not report one). */
export interface Engagement {
  impressions?: number;
  likes?: number;
  comments?: number;
  shares?: number;
  clicks?: number;
  saves?: number;
  /** The platform's raw figures, for anything the fields above do not cover. */
  raw?: JsonObject;
}

/**
 * A failure the platform reported, classified so Bridle and the agent know whether trying again
 * can help: rate limits and outages are retryable (after `retryAfterMs` when the platform says),
 * duplicate content, bad input and expired or revoked credentials are not.
 *
 * @example
 *   throw new ConnectorError('x', 'rate_limited', 'X says: Too Many Requests', { status: 429, retryAfterMs: 60_000 });
 */
export class ConnectorError extends BridleError {
  constructor(
    readonly platform: string,
    readonly reason: ConnectorFailure,
    message: string,
    readonly info: { status?: number; platformCode?: string; retryAfterMs?: number } = {},
  ) {
    super('BRIDLE_E_CONNECTOR', message, { platform, reason, retryable: RETRYABLE.has(reason), ...info });
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.reason);
  }
}

/** Why a platform call failed. */
export type ConnectorFailure = 'rate_limited' | 'unavailable' | 'timeout' | 'network' | 'duplicate' | 'invalid' | 'auth_expired' | 'forbidden' | 'not_found' | 'unknown';
const RETRYABLE: ReadonlySet<ConnectorFailure> = new Set(['rate_limited', 'unavailable', 'timeout', 'network']);

/** Something that performs a side effect. The agent never holds its credentials. */
export interface Connector {
  readonly name: string;
  /**
   * True when the connector's only effect is `ctx.write` to Bridle's own store (the outbox).
   * Its writes then join the decision's transaction: decision and effect are atomic, so there
   * is never one without the other, and the action needs one commit instead of two.
   */
  readonly transactional?: boolean;
  execute(req: ConnectorRequest, ctx: ConnectorContext): Promise<ConnectorResult>;
  /**
   * Reverses a successful `execute` (e.g. deletes the post). Absent when the platform allows no
   * undo. Deleting something already gone counts as done (undo is retried after crashes).
   */
  undo?(req: PublishedRequest, ctx: ConnectorContext): Promise<JsonValue | void>;
  /** Fetches how a published item is doing, where the platform's API offers it. */
  engagement?(req: PublishedRequest, ctx: ConnectorContext): Promise<Engagement | null>;
}

/** What a connector factory gets besides its options: the environment its credentials are read from. */
export interface ConnectorEnv {
  env: Readonly<Record<string, string | undefined>>;
  /** Connectors already built (built-ins and those listed before), for kinds that route to others. */
  connectors?: ReadonlyMap<string, Connector>;
}

export interface ConnectorDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly options: S;
  /** Reads credentials from `env` here, so a missing variable stops start-up (BRIDLE_E_CONFIG), not the first post. */
  create(options: z.output<S>, ctx: ConnectorEnv): Connector;
}

export function defineConnector<S extends z.ZodType>(def: ConnectorDefinition<S>): ConnectorDefinition<S> {
  return def;
}
