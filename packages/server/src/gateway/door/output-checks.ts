import { runChecks, type CheckReport, type CompiledCheck } from '@bridle/core';

/**
 * What the output checks say about one text. `redact` carries the fixed text; `reask` lists the
 * findings to send back to the model (non-streaming calls only); `block` stops the answer.
 * `require_approval` cannot wait for a human mid-call, so it blocks, and says so.
 */
export type OutputVerdict =
  | { kind: 'pass'; reports: CheckReport[] }
  | { kind: 'redact'; text: string; reports: CheckReport[] }
  | { kind: 'reask'; feedback: string; reports: CheckReport[] }
  | { kind: 'block'; check: string; reason: string; reports: CheckReport[] };

const MAX_REDACTION_ROUNDS = 3;

/**
 * Runs the output checks over `text` (the assistant's text, tool-call arguments included).
 * Redaction repeats until every check passes on the fixed text, as the input side does, so one
 * check's fix cannot slip past another.
 */
export async function checkOutput(checks: readonly CompiledCheck[], text: string, ctx: { agentId: string; actionType: string }): Promise<OutputVerdict> {
  if (checks.length === 0) return { kind: 'pass', reports: [] };
  let current = text;
  let redacted = false;
  const all: CheckReport[] = [];
  for (let round = 0; round <= MAX_REDACTION_ROUNDS; round++) {
    const reports = await runChecks(checks, { agentId: ctx.agentId, actionType: ctx.actionType, params: { text: current } });
    all.push(...reports.map(({ redacted: _, ...r }) => r));
    const failed = reports.filter((r) => !r.passed);
    const hard = failed.find((r) => r.error !== undefined || r.onFail === 'block' || r.onFail === 'require_approval');
    if (hard) {
      const why = hard.error !== undefined ? `could not run (${hard.error}); failing closed` : hard.onFail === 'require_approval' ? `${hard.reason} (needs approval, which a model call cannot wait for)` : hard.reason;
      return { kind: 'block', check: hard.name, reason: why, reports: all };
    }
    const fix = failed.find((r) => r.onFail === 'redact');
    if (fix) {
      const next = fix.redacted?.text;
      if (typeof next !== 'string' || next === current) return { kind: 'block', check: fix.name, reason: `${fix.reason} (and it could not be redacted)`, reports: all };
      current = next;
      redacted = true;
      continue;
    }
    const revise = failed.filter((r) => r.onFail === 'retry_with_feedback');
    if (revise.length > 0) return { kind: 'reask', feedback: feedbackText(revise), reports: all };
    return redacted ? { kind: 'redact', text: current, reports: all } : { kind: 'pass', reports: all };
  }
  const last = all[all.length - 1];
  return { kind: 'block', check: last?.name ?? 'output', reason: `still failing after ${MAX_REDACTION_ROUNDS} redactions`, reports: all };
}

/** The user message a re-ask appends: what was wrong, with the findings' own words. */
export function feedbackText(reports: readonly CheckReport[]): string {
  const lines = reports.map((r) => {
    const found = r.findings
      .slice(0, 5)
      .map((f) => f.message + (f.match ? ` ("${f.match}")` : ''))
      .join('; ');
    return `- ${r.name}: ${r.reason}${found ? ` — ${found}` : ''}`;
  });
  return `Your previous answer failed these checks:\n${lines.join('\n')}\nPlease answer again, fixing every point.`;
}
