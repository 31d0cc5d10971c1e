/**
 * Every failure Bridle reports carries a stable code from this closed list, so callers can
 * branch on it and `docs/errors.md` can document cause and fix for each one.
 *
 * @example
 *   throw new BridleError('BRIDLE_E_UNKNOWN_AGENT', `No agent named "${name}" in the policy`);
 */
export const ERROR_CODES = {
  BRIDLE_E_BAD_REQUEST: 400,
  BRIDLE_E_INVALID_JSON: 400,
  BRIDLE_E_VALIDATION: 400,
  BRIDLE_E_BODY_TOO_LARGE: 413,
  BRIDLE_E_UNSUPPORTED_MEDIA_TYPE: 415,
  BRIDLE_E_UNAUTHENTICATED: 401,
  BRIDLE_E_FORBIDDEN: 403,
  BRIDLE_E_CSRF: 403,
  BRIDLE_E_RATE_LIMITED: 429,
  BRIDLE_E_NOT_FOUND: 404,
  BRIDLE_E_UNKNOWN_AGENT: 404,
  BRIDLE_E_UNKNOWN_ACTION_TYPE: 404,
  BRIDLE_E_ACTION_NOT_FOUND: 404,
  BRIDLE_E_MODE_NOT_ALLOWED: 400,
  BRIDLE_E_IDEMPOTENCY_CONFLICT: 409,
  BRIDLE_E_INVALID_STATE: 409,
  BRIDLE_E_CONFLICT: 409,
  BRIDLE_E_PARAMS_CHANGED: 409,
  BRIDLE_E_POLICY_INVALID: 400,
  BRIDLE_E_POLICY_NOT_FOUND: 400,
  BRIDLE_E_CONFIG: 400,
  BRIDLE_E_DATA_DIR_LOCKED: 409,
  BRIDLE_E_STORE: 503,
  BRIDLE_E_SHUTTING_DOWN: 503,
  BRIDLE_E_CONNECTOR: 502,
  BRIDLE_E_CONNECTOR_TIMEOUT: 504,
  BRIDLE_E_AUDIT_BROKEN: 500,
  BRIDLE_E_INTERNAL: 500,
} as const;

export type BridleErrorCode = keyof typeof ERROR_CODES;

export class BridleError extends Error {
  override readonly name = 'BridleError';
  readonly code: BridleErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: BridleErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The HTTP status a door should answer with for this error. */
  get status(): number {
    return ERROR_CODES[this.code];
  }

  toJSON(): { code: BridleErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isBridleError(e: unknown): e is BridleError {
  return e instanceof BridleError;
}

/** A short, safe description of any thrown value, for recording why something failed closed. */
export function describeError(e: unknown): string {
  if (e instanceof BridleError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
