import { BridleError, describeError } from '../../errors.js';
import type { Store } from '../../store/open.js';
import { byCodeUnit } from '../../util/compare.js';

/** What a kill switch covers: everything, one agent, or one action type for every agent. */
export type KillScope = { kind: 'global' } | { kind: 'agent'; id: string } | { kind: 'action_type'; id: string };

export interface KillState {
  scope: string;
  /** killed: a person stopped it (pending approvals are cancelled); paused: a guard did (budget cap, anomaly). */
  state: 'killed' | 'paused';
  reason: string | null;
  actor: string | null;
  at: number;
}

export function scopeKey(s: KillScope): string {
  return s.kind === 'global' ? 'global' : `${s.kind}:${s.id}`;
}

export function describeScope(s: KillScope): string {
  return s.kind === 'global' ? 'every agent' : s.kind === 'agent' ? `agent ${s.id}` : `action type ${s.id}`;
}

/**
 * Kill switches and pauses, held in memory for the admit stage (a map lookup per action, none at
 * all while nothing is stopped) and persisted so they survive restarts. Other instances sharing
 * Postgres pick changes up through `load`.
 */
export class KillSwitches {
  private states = new Map<string, KillState>();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const rows = await this.store.db.selectFrom('kill_switches').selectAll().execute();
    const next = new Map<string, KillState>();
    for (const r of rows) next.set(r.scope, { scope: r.scope, state: r.state, reason: r.reason, actor: r.actor, at: r.updated_at });
    this.states = next;
  }

  /** The switch that stops this agent's action of this type, the widest scope first. */
  find(agentId: string, type: string): KillState | null {
    if (this.states.size === 0) return null;
    return this.states.get('global') ?? this.states.get(`agent:${agentId}`) ?? this.states.get(`action_type:${type}`) ?? null;
  }

  get(scope: KillScope): KillState | null {
    return this.states.get(scopeKey(scope)) ?? null;
  }

  list(): KillState[] {
    return [...this.states.values()].sort((a, b) => byCodeUnit(a.scope, b.scope));
  }

  /** Sets (or with `state: null`, lifts) a switch durably before it takes effect in memory. */
  async set(scope: KillScope, state: 'killed' | 'paused' | null, by: { actor: string; reason?: string | undefined }, now: number): Promise<KillState | null> {
    const key = scopeKey(scope);
    try {
      if (state === null) {
        await this.store.db.deleteFrom('kill_switches').where('scope', '=', key).execute();
        this.states.delete(key);
        return null;
      }
      const row = { scope: key, state, reason: by.reason ?? null, actor: by.actor, updated_at: now };
      await this.store.db
        .insertInto('kill_switches')
        .values(row)
        .onConflict((oc) => oc.column('scope').doUpdateSet({ state, reason: row.reason, actor: row.actor, updated_at: now }))
        .execute();
      const s: KillState = { scope: key, state, reason: row.reason, actor: row.actor, at: now };
      this.states.set(key, s);
      return s;
    } catch (e) {
      throw new BridleError('BRIDLE_E_STORE', `Could not record the kill switch for ${describeScope(scope)}: ${describeError(e)}`);
    }
  }
}
