import type { z } from 'zod';
import type { JsonObject, JsonValue } from '../json.js';
import type { WriteSet } from '../store/writer.js';
import type { Clock, IdGenerator } from '../util/clock.js';

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
}

export interface ConnectorDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly options: S;
  create(options: z.output<S>): Connector;
}

export function defineConnector<S extends z.ZodType>(def: ConnectorDefinition<S>): ConnectorDefinition<S> {
  return def;
}
