import type { Finding } from '../api/types';
import { segments } from '../lib/highlight';

type Tagged = Finding & { check: string };

/** A parameter's text with each check finding marked where it is; hover or focus shows why. */
export function Highlighted({ text, findings }: { text: string; findings: Tagged[] }) {
  const parts = segments(text, findings);
  return (
    <div className="content-text" data-testid="approval-content">
      {parts.map((p) =>
        p.findings.length === 0 ? (
          <span key={p.start}>{p.text}</span>
        ) : (
          <mark key={p.start} className="finding" tabIndex={0} title={p.findings.map((f) => `${f.check}: ${f.message}`).join('\n')} aria-label={`${p.text} — flagged: ${p.findings.map((f) => `${f.check}: ${f.message}`).join('; ')}`}>
            {p.text}
          </mark>
        ),
      )}
    </div>
  );
}
