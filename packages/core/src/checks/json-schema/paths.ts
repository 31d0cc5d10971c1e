/** The decoded segments of a JSON Pointer (`/items/0/a~1b` → `items`, `0`, `a/b`). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  // Segments stay strings, array indexes included: the policy loader locates issue paths in
  // the YAML, where a mapping key "0" and the number 0 are different keys.
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const PLAIN_SEGMENT = /^(?:[A-Za-z_$][\w$-]*|\d+)$/;

/**
 * A param path as people write it: dotted (`items.0.sku`), with any key that would be
 * ambiguous that way quoted in brackets (`meta["a.b"]`). Empty for the params themselves.
 */
export function formatPath(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) {
    if (PLAIN_SEGMENT.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
