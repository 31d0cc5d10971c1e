/** The label value for anything outside a bounded set. */
export const OTHER = 'other';

/**
 * Keeps a metric label's cardinality bounded: values named by the running policy pass through
 * (recomputed when the policy version changes), plus the first `extra` other values seen;
 * everything after that is counted as "other", so a misbehaving client cannot grow the series
 * count without limit.
 *
 * @example
 *   const agent = new BoundedLabel(() => bridle.policy.version, () => bridle.policy.agents.keys(), 0);
 *   counter.inc({ agent: agent.of(rec.agentId) });
 */
export class BoundedLabel {
  private version: string | undefined;
  private known = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly versionOf: () => string,
    private readonly knownOf: () => Iterable<string>,
    private readonly extra: number,
  ) {}

  of(value: string): string {
    const v = this.versionOf();
    if (v !== this.version) {
      this.version = v;
      this.known = new Set(this.knownOf());
    }
    if (this.known.has(value) || this.seen.has(value)) return value;
    if (this.seen.size < this.extra) {
      this.seen.add(value);
      return value;
    }
    return OTHER;
  }
}

/** A label bounded only by a count (no policy names it): the first `max` values, then "other". */
export function firstSeen(max: number): BoundedLabel {
  return new BoundedLabel(() => '', () => [], max);
}
