import { BridleError, formatMicroUsd, isBridleError } from '@bridle/core';

/** Prints JSON for programs (--json) or a readable rendering for people. */
export function emit(json: boolean | undefined, value: unknown, human: () => string): void {
  process.stdout.write((json ? JSON.stringify(value, null, 2) : human()) + '\n');
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export const money = (micro: number | null | undefined) => (micro === null || micro === undefined ? '-' : formatMicroUsd(micro));

/** Every failure leaves the CLI as one line with its stable code, never a stack trace. */
export function fail(e: unknown, json?: boolean): never {
  const err = isBridleError(e) ? e : new BridleError('BRIDLE_E_INTERNAL', e instanceof Error ? e.message : String(e));
  if (json) process.stderr.write(JSON.stringify({ error: err.toJSON() }) + '\n');
  else process.stderr.write(`error ${err.code}: ${err.message}\n`);
  if (process.env.BRIDLE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(err.code === 'BRIDLE_E_AUDIT_BROKEN' ? 2 : 1);
}
