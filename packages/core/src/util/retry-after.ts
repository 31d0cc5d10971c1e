/**
 * A `Retry-After` value (RFC 9110 §10.2.3) as milliseconds: delay-seconds (a fraction is read
 * too), or an HTTP date relative to `now` (0 once past). Rounded up, so a caller never waits
 * less than it was asked to. Undefined when absent or unreadable. Alerts, connectors and the LLM
 * gateway all read the header through this.
 *
 * @example
 *   retryAfterValueMs(res.headers.get('retry-after'), Date.now()); // "30" → 30000
 */
export function retryAfterValueMs(value: string | null | undefined, now: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
