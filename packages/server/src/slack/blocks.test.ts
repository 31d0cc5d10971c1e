import { describe, expect, it } from 'vitest';
import { approvalMessage, editModal, escapeMrkdwn, fitMrkdwn } from './blocks.js';
import { pendingView } from './test-view.js';
import type { Block } from './types.js';

const texts = (blocks: Block[]) => JSON.stringify(blocks);
const actions = (blocks: Block[]) => blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string; style?: string }[] } | undefined;

describe('approvalMessage', () => {
  it('shows content escaped, the finding with its span highlighted, rationale and cost', () => {
    const { text, blocks } = approvalMessage(pendingView());
    const all = texts(blocks);
    expect(all).toContain('&amp; &lt;big&gt; wins');
    expect(all).not.toContain('<big>');
    expect(all).toContain('*`guaranteed returns`*');
    expect(all).toContain('Weekly promo');
    expect(all).toContain('$0.01');
    expect(all).not.toContain('max_length'); // passed checks are not findings
    expect(text).toContain('social.post');
  });

  it('binds every button to the approval id and params hash', () => {
    const a = actions(approvalMessage(pendingView()).blocks)!;
    expect(a.elements.map((e) => [e.action_id, e.style])).toEqual([['bridle_approve', 'primary'], ['bridle_reject', 'danger'], ['bridle_edit', undefined]]);
    for (const e of a.elements) expect(JSON.parse(e.value)).toEqual({ a: 'apr_1', h: 'sha256:aaaaaaaaaaaaaaaa' });
  });

  it('shows compact JSON when there is no text, without an Edit button', () => {
    const { blocks } = approvalMessage(pendingView({ params: { amount: 5, to: 'cus_1' }, checks: [] }));
    expect(texts(blocks)).toContain('{\\"amount\\":5,\\"to\\":\\"cus_1\\"}');
    expect(actions(blocks)!.elements.map((e) => e.action_id)).toEqual(['bridle_approve', 'bridle_reject']);
  });

  it("keeps every section within Slack's 3000 characters for long content and many findings", () => {
    const text = '<&>'.repeat(5000);
    const findings = Array.from({ length: 200 }, (_, i) => ({ message: `hit ${i}`, field: 'text', span: { start: i, end: i + 3 } }));
    const { blocks } = approvalMessage(pendingView({ params: { text }, checks: [{ name: 'x', passed: false, reason: 'many', findings }] }));
    for (const b of blocks) {
      const t = (b.text as { text?: string } | undefined)?.text;
      if (t) expect(t.length).toBeLessThanOrEqual(3000);
    }
    expect(texts(blocks)).toContain('more');
    expect(actions(blocks)!.elements.map((e) => e.action_id)).not.toContain('bridle_edit'); // too long for the input
  });

  it('a resolved approval has no buttons and says who decided, when and why', () => {
    const { blocks, text } = approvalMessage(pendingView({ status: 'rejected', decidedBy: 'alice', decidedAt: '2025-01-02T03:04:05.000Z', reason: 'off-brand' }));
    expect(actions(blocks)).toBeUndefined();
    const all = texts(blocks);
    expect(all).toContain('Rejected by *alice*');
    expect(all).toContain(`<!date^${Date.parse('2025-01-02T03:04:05.000Z') / 1000}^`);
    expect(all).toContain('off-brand');
    expect(text).toContain('alice');
  });
});

describe('editModal', () => {
  it('prefills the text and carries the binding and message in private_metadata', () => {
    const m = editModal(pendingView(), { channel: 'C1', ts: '1.2' });
    expect(m.type).toBe('modal');
    expect(JSON.parse(m.private_metadata as string)).toEqual({ a: 'apr_1', h: 'sha256:aaaaaaaaaaaaaaaa', c: 'C1', t: '1.2' });
    expect(JSON.stringify(m.blocks)).toContain('"initial_value":"Invest now for guaranteed returns & <big> wins"');
    expect((m.title as { text: string }).text.length).toBeLessThanOrEqual(24);
  });
});

describe('mrkdwn escaping', () => {
  it('escapes & < > and never splits an entity when truncating', () => {
    expect(escapeMrkdwn('<!channel> & co')).toBe('&lt;!channel&gt; &amp; co');
    const cut = fitMrkdwn('a&&&&', 6);
    expect(cut.length).toBeLessThanOrEqual(6);
    expect(cut).toBe('a…');
  });
});
