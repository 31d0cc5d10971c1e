import type { Store } from '../store/open.js';

/**
 * What each agent has done before, for the `novel` rule: the first time it does an action type,
 * or targets a recipient, is novel. Loaded per agent on first need and kept in memory; recorded
 * when an action succeeds. Bounded: past `max` agents the cache starts over (it reloads).
 */
export class History {
  private readonly seen = new Map<string, Set<string>>();

  constructor(
    private readonly store: Store,
    private readonly max = 10_000,
  ) {}

  private async of(agentId: string): Promise<Set<string>> {
    let s = this.seen.get(agentId);
    if (s) return s;
    const rows = await this.store.db.selectFrom('seen_targets').select('target').where('agent_id', '=', agentId).execute();
    s = new Set(rows.map((r) => r.target));
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.set(agentId, s);
    return s;
  }

  static targets(type: string, recipient: string | null): string[] {
    return recipient === null ? [`type:${type}`] : [`type:${type}`, `to:${type}:${recipient}`];
  }

  /** True when any of the targets is new for this agent. */
  async isNovel(agentId: string, type: string, recipient: string | null): Promise<boolean> {
    const s = await this.of(agentId);
    return History.targets(type, recipient).some((t) => !s.has(t));
  }

  async record(agentId: string, type: string, recipient: string | null, now: number): Promise<void> {
    const s = await this.of(agentId);
    const fresh = History.targets(type, recipient).filter((t) => !s.has(t));
    if (fresh.length === 0) return;
    await this.store.db
      .insertInto('seen_targets')
      .values(fresh.map((target) => ({ agent_id: agentId, target, first_at: now })))
      .onConflict((oc) => oc.columns(['agent_id', 'target']).doNothing())
      .execute();
    for (const t of fresh) s.add(t);
  }
}
