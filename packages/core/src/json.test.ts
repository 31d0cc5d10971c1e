import { describe, expect, it } from 'vitest';
import { canonicalJson } from './json.js';

describe('canonicalJson', () => {
  it('orders keys by UTF-16 code units, whether they arrive sorted, reversed or mixed', () => {
    const sorted = { A: 1, Z: 2, a: 3, b: { x: [1, { d: 1, c: 2 }], y: null }, 'é': 4, '😀': 5 };
    const reversed = { '😀': 5, 'é': 4, b: { y: null, x: [1, { c: 2, d: 1 }] }, a: 3, Z: 2, A: 1 };
    const expected = '{"A":1,"Z":2,"a":3,"b":{"x":[1,{"c":2,"d":1}],"y":null},"é":4,"😀":5}';
    expect(canonicalJson(sorted)).toBe(expected);
    expect(canonicalJson(reversed)).toBe(expected);
    // The same order Array.prototype.sort gives, including astral characters after BMP ones.
    expect(Object.keys(JSON.parse(expected) as object)).toEqual(Object.keys(reversed).sort());
  });

  it('sorts any set of keys as Array.prototype.sort would, small (insertion sort) or large', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['a', 'B', 'é', '1', '10', '2', '_', 'Z', '😀', 'ab', 'aa', ''];
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rnd() * 45);
      const obj: Record<string, number> = {};
      for (let i = 0; i < n; i++) obj[alphabet[Math.floor(rnd() * alphabet.length)]! + alphabet[Math.floor(rnd() * alphabet.length)]! + String(i % 3)] = i;
      const keys = Object.keys(JSON.parse(canonicalJson(obj)) as object);
      // JSON.parse puts integer-like keys first, as every object does; compare as sets of order.
      const order = Object.keys(obj).sort();
      expect(canonicalJson(obj)).toBe('{' + order.map((k) => `${JSON.stringify(k)}:${obj[k]}`).join(',') + '}');
      expect(new Set(keys)).toEqual(new Set(order));
    }
  });

  it('drops undefined members, keeps array holes as null, and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });
});
