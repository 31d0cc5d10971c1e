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

/**
 * The canonical body, written as a template: the envelope's keys are fixed and already in
 * sorted order, so only `actor` and `data` go through the generic encoder. Byte-identical to
 * `canonicalJson({ ...input, v: 1, seq, prevHash })` (a test holds it to that), with far less
 * garbage on the hottest path.
 */
export function canonicalBody(input: AuditInput, seq: number, prevHash: string): string {
  return (
    '{"actionId":' + (input.actionId === null ? 'null' : canonicalJson(input.actionId)) +
    ',"actor":' + canonicalJson(input.actor) +
    ',"agentId":' + canonicalJson(input.agentId) +
    ',"data":' + canonicalJson(input.data) +
    ',"id":' + canonicalJson(input.id) +
    ',"kind":' + canonicalJson(input.kind) +
    ',"policyVersion":' + canonicalJson(input.policyVersion) +
    ',"prevHash":' + canonicalJson(prevHash) +
    ',"seq":' + canonicalJson(seq) +
    ',"ts":' + canonicalJson(input.ts) +
    ',"v":1}'
  );
}

export function sealEntry(input: AuditInput, seq: number, prevHash: string): AuditRow {
  const body = canonicalBody(input, seq, prevHash);
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
