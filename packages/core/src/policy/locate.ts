import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Finds where a field path sits in the YAML source. A path into something missing (a required
 * key not written) resolves to the deepest parent that exists, which is where the fix goes.
 */
export function locate(doc: Document, counter: LineCounter, path: readonly PropertyKey[], key?: string): SourcePosition {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  const steps = key === undefined ? path : [...path, key];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      const isLastKey = key !== undefined && i === steps.length - 1;
      const target = isLastKey ? pair.key : (pair.value ?? pair.key);
      offset = (target as Node | null)?.range?.[0] ?? offset;
      node = isLastKey ? undefined : pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const { line, col } = counter.linePos(offset);
  return { line, column: col };
}
