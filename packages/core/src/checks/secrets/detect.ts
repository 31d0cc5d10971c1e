import { isMaskedFill, isWordBody, wordAround, type Hit } from './entropy.js';
import { gitleaksHits } from './gitleaks.js';
import { findAssignedSecrets, findHighEntropyTokens, type EntropyTuning } from './scan.js';
import { secretlintHits, type LintConfig } from './secretlint.js';
import { vendorHits } from './vendors.js';

export interface DetectSettings {
  secretlint: LintConfig;
  /** Generic detectors' tuning; null turns them off (vendor formats only). */
  tuning: EntropyTuning | null;
  /** Whether free-standing high-entropy tokens are flagged (not only assigned values). */
  freeStanding: boolean;
  /**
   * Rules to leave out, for the held-out evaluation: gitleaks rule ids and vendors.ts families
   * (secretlint's are left out through its config).
   */
  exceptRules?: readonly string[];
  signal?: AbortSignal;
}

/** By start, the longer of two hits at the same place first. */
function byStart(a: Hit, b: Hit): number {
  return a.start - b.start || b.end - a.end;
}

/**
 * The hits of each group, in order, that overlap no hit kept before them; earlier groups are the
 * more specific detectors. Sorted merging keeps this O(n log n) on text full of tokens.
 */
export function dedupe(groups: readonly Hit[][]): Hit[] {
  let kept: Hit[] = [];
  for (const group of groups) {
    const fresh: Hit[] = [];
    let i = 0;
    for (const h of [...group].sort(byStart)) {
      // `kept` never overlaps itself, so its ends rise with its starts.
      while (i < kept.length && (kept[i]?.end ?? 0) <= h.start) i++;
      if (i < kept.length && (kept[i]?.start ?? Infinity) < h.end) continue;
      const last = fresh[fresh.length - 1];
      if (last && last.end > h.start) continue;
      fresh.push(h);
    }
    kept = [...kept, ...fresh].sort(byStart);
  }
  return kept;
}

/** `hits` minus those overlapping any of `vetoed`: a binary search in the vetoed spans' union. */
function withoutVetoed(hits: readonly Hit[], vetoed: readonly Hit[]): Hit[] {
  if (vetoed.length === 0) return [...hits];
  const union: [number, number][] = [];
  for (const v of [...vetoed].sort(byStart)) {
    const last = union[union.length - 1];
    if (last && v.start <= last[1]) last[1] = Math.max(last[1], v.end);
    else union.push([v.start, v.end]);
  }
  return hits.filter((h) => {
    let lo = 0;
    let hi = union.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((union[mid]?.[1] ?? 0) <= h.start) lo = mid + 1;
      else hi = mid;
    }
    return !(lo < union.length && (union[lo]?.[0] ?? Infinity) < h.end);
  });
}

/**
 * Every secret in `text`, as non-overlapping hits in order. Vendor formats come first (secretlint,
 * gitleaks' rule set, and vendors.ts); a vendor match that is a fill, a repeat, an instruction
 * or a plain word (`ghp_xxxx…`, `xoxp-1234-1234-1234-…`, `…TokenHere`, `xoxb-1-onboarding`) is a
 * placeholder. Then values given to secret-sounding names and,
 * if enabled, free-standing random tokens; neither may flag what a vendor rule matched and ruled
 * out (gitleaks' allowlisted demo keys, low-entropy fills, AWS's …EXAMPLE key).
 */
export async function detectSecrets(text: string, settings: DetectSettings): Promise<Hit[]> {
  const except = new Set(settings.exceptRules ?? []);
  const sl = await secretlintHits(text, settings.secretlint, settings.signal);
  settings.signal?.throwIfAborted();
  const gl = gitleaksHits(text, except);
  const vendor: Hit[] = [];
  const vetoed: Hit[] = [...gl.vetoed];
  for (const h of [...sl, ...gl.hits, ...vendorHits(text, except)]) {
    // A token is judged with the word around it (`xoxp-1-####` whole); a match spanning lines or
    // spaces is a document (a PEM block, a service-account JSON) that its rule already verified.
    const token = text.slice(h.start, h.end);
    const placeholder = !/\s/.test(token) && (isMaskedFill(wordAround(text, h.start, h.end)) || isWordBody(token));
    (placeholder ? vetoed : vendor).push(h);
  }
  if (settings.tuning === null) return dedupe([vendor]);
  const assigned = withoutVetoed(findAssignedSecrets(text, settings.tuning), vetoed);
  const free = settings.freeStanding ? withoutVetoed(findHighEntropyTokens(text, settings.tuning), vetoed) : [];
  return dedupe([vendor, assigned, free]);
}
