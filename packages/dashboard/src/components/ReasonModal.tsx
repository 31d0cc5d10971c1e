import { useId, useState, type ReactNode } from 'react';
import { errorText } from '../api/client';
import { Modal } from './Modal';

export interface ReasonModalProps {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  /** Shown above the reason field: what will happen. */
  children?: ReactNode;
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
  /** False for endpoints that take no reason: the modal only confirms. */
  askReason?: boolean;
}

/** Asks why before a consequential action (pause, kill, mode switch, reject); the reason is audited. */
export function ReasonModal({ title, confirmLabel, danger, children, onConfirm, onClose, askReason = true }: ReasonModalProps) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <Modal title={title} onClose={onClose} testId="reason-modal">
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if ((askReason && !reason.trim()) || busy) return;
          setBusy(true);
          setError(null);
          onConfirm(reason.trim()).then(onClose, (err: unknown) => {
            setError(errorText(err));
            setBusy(false);
          });
        }}
      >
        {children}
        {askReason && (
          <>
            <label htmlFor={id}>Reason (recorded in the audit log)</label>
            <textarea id={id} data-testid="reason-input" required autoFocus rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
          </>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row end">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={`btn ${danger ? 'danger' : 'primary'}`} data-testid="reason-confirm" disabled={busy || (askReason && !reason.trim())}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
