import { BridleError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { checkRegistry, checkKinds, createCheck, loadChecks, type CheckKind } from './registry.js';
import type { Check, Finding } from './types.js';

/** One input line of `bridle scan`: text (or code) to run detectors over. */
export interface ScanRecord {
  id: string | number;
  text?: string;
  code?: string;
  lang?: string;
}

export interface ScanResult {
  id: string | number;
  flagged: boolean;
  /** The first flagging check's category (or its name); null when nothing was flagged. */
  category: string | null;
  /** The lowest score of the checks run: 1 = clean. */
  score: number;
  findings: (Finding & { check: string })[];
  durationMs: number;
}

/**
 * The checks to scan with: the named ones with their options, or every check that works with
 * default options (some need a list of their own, such as banned_phrases).
 */
export async function scanChecks(names: readonly string[] | undefined, options: Record<string, unknown> = {}): Promise<{ name: string; check: Check }[]> {
  const chosen = names && names.length > 0 ? names : checkKinds.filter((k) => checkRegistry[k].options.safeParse({}).success);
  for (const name of chosen) if (!(name in checkRegistry)) throw new BridleError('BRIDLE_E_VALIDATION', `Unknown check "${name}" (known: ${checkKinds.join(', ')})`);
  await loadChecks(chosen as CheckKind[]);
  return chosen.map((name) => {
    if (!(name in checkRegistry)) throw new BridleError('BRIDLE_E_VALIDATION', `Unknown check "${name}" (known: ${checkKinds.join(', ')})`);
    const def = checkRegistry[name as CheckKind];
    const parsed = def.options.safeParse(options[name] ?? {});
    if (!parsed.success) {
      throw new BridleError('BRIDLE_E_VALIDATION', `Options for ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    return { name, check: createCheck(name as CheckKind, parsed.data) };
  });
}

/** Runs the checks over one record, the text (or code) given as the `text` parameter. */
export async function scanOne(record: ScanRecord, checks: readonly { name: string; check: Check }[]): Promise<ScanResult> {
  const params: JsonObject = { text: record.text ?? record.code ?? '', ...(record.code !== undefined ? { code: record.code } : {}), ...(record.lang ? { lang: record.lang } : {}) };
  const start = performance.now();
  let flagged = false;
  let category: string | null = null;
  let score = 1;
  const findings: ScanResult['findings'] = [];
  for (const { name, check } of checks) {
    const r = await check.run({ agentId: 'scan', actionType: 'scan', params }, new AbortController().signal);
    score = Math.min(score, r.score);
    if (r.passed) continue;
    if (!flagged) category = r.category ?? name;
    flagged = true;
    for (const f of r.findings) findings.push({ ...f, check: name });
  }
  return { id: record.id, flagged, category, score, findings, durationMs: Math.round((performance.now() - start) * 1000) / 1000 };
}
