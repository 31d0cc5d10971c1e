import { wordDiff } from '../lib/diff';

/** The edit an approver made, word by word: removed words struck through, added ones marked. */
export function DiffView({ before, after }: { before: string; after: string }) {
  const parts = wordDiff(before, after);
  return (
    <div className="diff content-text" data-testid="approval-diff" aria-label="Changes">
      {parts.map((p, i) =>
        p.op === 'same' ? (
          <span key={i}>{p.text}</span>
        ) : p.op === 'add' ? (
          <ins key={i}>{p.text}</ins>
        ) : (
          <del key={i}>{p.text}</del>
        ),
      )}
    </div>
  );
}
