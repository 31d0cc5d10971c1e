/** One run of a word diff: text kept, added or removed (whitespace belongs to the token before it). */
export interface DiffPart {
  op: 'same' | 'add' | 'del';
  text: string;
}

/** Splits into words each carrying its trailing whitespace, so joining the tokens gives the text back. */
export function tokens(s: string): string[] {
  return s.match(/\s+|[^\s]+\s*/g) ?? [];
}

// Above this many token pairs the LCS table would cost too much memory for a browser tab; the
// diff then falls back to one removal and one addition, which is still correct, just coarse.
const MAX_CELLS = 4_000_000;

/**
 * A word-level diff from `a` to `b` by longest common subsequence, with a shared prefix and
 * suffix trimmed first (edits are usually local, so the table stays small).
 *
 * @example
 *   wordDiff('ship it today', 'ship it tomorrow')
 *   // [{op:'same',text:'ship it '},{op:'del',text:'today'},{op:'add',text:'tomorrow'}]
 */
export function wordDiff(a: string, b: string): DiffPart[] {
  const x = tokens(a);
  const y = tokens(b);
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xm = x.slice(pre, x.length - suf);
  const ym = y.slice(pre, y.length - suf);
  const out: DiffPart[] = [];
  const push = (op: DiffPart['op'], text: string) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  push('same', x.slice(0, pre).join(''));
  if ((xm.length + 1) * (ym.length + 1) > MAX_CELLS) {
    push('del', xm.join(''));
    push('add', ym.join(''));
  } else {
    const n = xm.length;
    const m = ym.length;
    // lcs[i][j] = LCS length of xm[i..] and ym[j..], flattened.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = xm[i] === ym[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (xm[i] === ym[j]) {
        push('same', xm[i]!);
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) push('del', xm[i++]!);
      else push('add', ym[j++]!);
    }
    while (i < n) push('del', xm[i++]!);
    while (j < m) push('add', ym[j++]!);
  }
  push('same', x.slice(x.length - suf).join(''));
  return out;
}
