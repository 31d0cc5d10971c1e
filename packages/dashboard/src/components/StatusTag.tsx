const TONE: Record<string, string> = {
  succeeded: 'ok',
  allowed: 'ok',
  approved: 'ok',
  active: 'ok',
  closed: 'ok',
  awaiting_approval: 'attn',
  received: 'muted',
  executing: 'muted',
  paused: 'warn',
  half_open: 'warn',
  expired: 'warn',
  undone: 'warn',
  draft: 'attn',
  auto: 'ok',
  blocked: 'danger',
  rejected: 'danger',
  failed: 'danger',
  killed: 'danger',
  tripped: 'danger',
  open: 'danger',
};

/** A coloured pill for a status; the word is always shown, so colour is never the only signal. */
export function StatusTag({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`tag tone-${TONE[status] ?? 'muted'}`} data-testid={testId}>
      {status.replace(/_/g, ' ')}
    </span>
  );
}
