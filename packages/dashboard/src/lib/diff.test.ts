import { describe, expect, it } from 'vitest';
import { tokens, wordDiff, type DiffPart } from './diff';

const join = (parts: DiffPart[], keep: 'a' | 'b') => parts.filter((p) => p.op === 'same' || p.op === (keep === 'a' ? 'del' : 'add')).map((p) => p.text).join('');

describe('wordDiff', () => {
  it('tokens round-trip the text', () => {
    for (const s of ['', 'one', '  lead', 'a  b\nc ', 'emoji 🚀 ok']) expect(tokens(s).join('')).toBe(s);
  });
  it('marks a replaced word', () => {
    expect(wordDiff('ship it today', 'ship it tomorrow')).toEqual([
      { op: 'same', text: 'ship it ' },
      { op: 'del', text: 'today' },
      { op: 'add', text: 'tomorrow' },
    ]);
  });
  it('handles insertions and deletions in the middle and identical input', () => {
    const d = wordDiff('Our new origin ships today', 'Our new single origin ships today');
    expect(d).toEqual([
      { op: 'same', text: 'Our new ' },
      { op: 'add', text: 'single ' },
      { op: 'same', text: 'origin ships today' },
    ]);
    expect(wordDiff('same', 'same')).toEqual([{ op: 'same', text: 'same' }]);
    expect(wordDiff('', 'new')).toEqual([{ op: 'add', text: 'new' }]);
  });
  it('always reconstructs both sides', () => {
    const pairs: [string, string][] = [
      ['guaranteed returns on every trade, buy now', 'solid returns on most trades — read the terms'],
      ['a b c d e f', 'f e d c b a'],
      ['x '.repeat(300), 'y '.repeat(300)],
    ];
    for (const [a, b] of pairs) {
      const d = wordDiff(a, b);
      expect(join(d, 'a')).toBe(a);
      expect(join(d, 'b')).toBe(b);
    }
  });
});
