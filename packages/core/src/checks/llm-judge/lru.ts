/**
 * A small least-recently-used map: a Map keeps insertion order, so re-inserting on each hit
 * moves the entry to the end and the first key is always the one to evict.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  get size(): number {
    return this.map.size;
  }
}
