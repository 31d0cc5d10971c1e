import type { JsonObject } from '../json.js';
import { canonicalJson, sha256Hex } from '../json.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Who caused an audited event. Agents act through keys, operators through the admin API or CLI. */
export interface Actor {
  type: 'agent' | 'operator' | 'system';
  id: string;
}

/** What a writer asks to record; the chain position is assigned at commit time. */
export interface AuditInput {
  id: string;
  /** The chain: the agent's name, or `_system` for events that belong to no agent. */
  agentId: string;
  actionId: string | null;
  kind: string;
  ts: number;
  policyVersion: string;
  actor: Actor;
  data: JsonObject;
}

/** The hashed record: everything but the hash, in canonical JSON. */
export interface AuditBody extends AuditInput {
  v: 1;
  seq: number;
  prevHash: string;
}

export interface AuditRow {
  agent_id: string;
  seq: number;
  id: string;
  action_id: string | null;
  ts: number;
  kind: string;
  prev_hash: string;
  hash: string;
  body: string;
}

export function sealEntry(input: AuditInput, seq: number, prevHash: string): AuditRow {
  const body = canonicalJson({ ...input, v: 1, seq, prevHash } satisfies AuditBody);
  return {
    agent_id: input.agentId,
    seq,
    id: input.id,
    action_id: input.actionId,
    ts: input.ts,
    kind: input.kind,
    prev_hash: prevHash,
    hash: sha256Hex(body),
    body,
  };
}
