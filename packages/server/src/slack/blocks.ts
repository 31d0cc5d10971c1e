import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT, EDIT_CALLBACK, EDIT_REASON_BLOCK, EDIT_TEXT_BLOCK, type ApprovalView, type Block, type MessageRef, type SlackMessage } from './types.js';

// Slack's documented limits: section text 3000, button value 2000, plain_text_input 3000,
// modal title 24, private_metadata 3000, 50 blocks per message.
const SECTION_MAX = 3000;
const INPUT_MAX = 3000;
const FINDINGS_SHOWN = 20;
const CONTEXT_CHARS = 40;

/** Escapes the three characters mrkdwn treats as control characters, so agent text cannot mention @channel or forge links. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped text cut to `max` characters after escaping, never splitting an entity. */
export function fitMrkdwn(raw: string, max: number): string {
  const full = escapeMrkdwn(raw);
  if (full.length <= max) return full;
  // Cut the raw text, not the escaped one, so `&amp;` is never split; one char is kept for the ellipsis.
  let cut = raw.slice(0, max - 1);
  for (;;) {
    const esc = escapeMrkdwn(cut);
    if (esc.length <= max - 1) return `${esc}…`;
    // Each raw character escapes to at most 5, so dropping over/5 of them never cuts too much.
    cut = cut.slice(0, cut.length - Math.max(1, Math.ceil((esc.length - (max - 1)) / 5)));
  }
}

// Backticks would close a code span early; a look-alike keeps the text readable.
const codeSafe = (s: string) => escapeMrkdwn(s.replace(/`/g, 'ˋ').replace(/\n/g, ' '));

/** The text an operator reviews and may edit: `params.text` when it is a string. */
export function editableText(view: ApprovalView): string | undefined {
  return typeof view.params.text === 'string' ? view.params.text : undefined;
}

function content(view: ApprovalView): string {
  const text = editableText(view);
  if (text !== undefined) return text;
  return JSON.stringify(view.params);
}

/** Encodes what a click is bound to: the approval and the hash of the parameters shown. */
export function encodeBinding(approvalId: string, paramsHash: string): string {
  return JSON.stringify({ a: approvalId, h: paramsHash });
}

function findingLines(view: ApprovalView): string[] {
  const lines: string[] = [];
  for (const c of view.checks) {
    if (c.passed) continue;
    lines.push(`• *${codeSafe(c.name)}*: ${escapeMrkdwn(c.reason)}`);
    for (const f of c.findings) {
      const src = typeof view.params[f.field ?? 'text'] === 'string' ? (view.params[f.field ?? 'text'] as string) : undefined;
      let line = `    ◦ ${escapeMrkdwn(f.message)}`;
      if (src !== undefined && f.span && f.span.start >= 0 && f.span.end > f.span.start && f.span.end <= src.length) {
        const { start, end } = f.span;
        const before = src.slice(Math.max(0, start - CONTEXT_CHARS), start);
        const after = src.slice(end, end + CONTEXT_CHARS);
        // The found text is bold code; its surroundings are plain so the eye lands on the match.
        line += `: ${start > CONTEXT_CHARS ? '…' : ''}${escapeMrkdwn(before.replace(/\n/g, ' '))}*\`${codeSafe(src.slice(start, end).slice(0, 200))}\`*${escapeMrkdwn(after.replace(/\n/g, ' '))}${end + CONTEXT_CHARS < src.length ? '…' : ''}`;
      }
      lines.push(line);
    }
  }
  return lines;
}

function joinWithin(lines: string[], max: number): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const next = (out ? '\n' : '') + lines[i];
    if (out.length + next.length > max - 40 || i >= FINDINGS_SHOWN) return `${out}\n…and ${lines.length - i} more`;
    out += next;
  }
  return out;
}

/** A block quote of the content within one section; each line's `>` counts against the limit. */
function quote(raw: string): string {
  let budget = SECTION_MAX;
  for (;;) {
    const q = fitMrkdwn(raw, budget).replace(/^/gm, '>');
    if (q.length <= SECTION_MAX) return q;
    budget -= q.length - SECTION_MAX;
  }
}

const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const STATUS_WORD = { pending: 'Approval needed', approved: 'Approved', rejected: 'Rejected', expired: 'Expired' } as const;
const STATUS_ICON = { pending: ':hourglass_flowing_sand:', approved: ':white_check_mark:', rejected: ':no_entry:', expired: ':clock3:' } as const;

/** A Slack date token: each reader sees the time in their own zone. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

/**
 * The approval message: content, findings with the found text highlighted, rationale, cost and,
 * while pending, Approve / Reject / Edit buttons bound to the approval id and params hash.
 */
export function approvalMessage(view: ApprovalView): SlackMessage {
  const head = `${STATUS_ICON[view.status]} *${STATUS_WORD[view.status]}*: \`${codeSafe(view.type.slice(0, 200))}\` from agent \`${codeSafe(view.agentId.slice(0, 200))}\`${view.step ? ` (${fitMrkdwn(view.step, 200)})` : ''}`;
  const blocks: Block[] = [mrkdwn(head), mrkdwn(quote(content(view)))];
  const findings = findingLines(view);
  if (findings.length) blocks.push(mrkdwn(`*Findings*\n${joinWithin(findings, SECTION_MAX - 20)}`));
  if (view.rationale) blocks.push(mrkdwn(`*Rationale*\n${fitMrkdwn(view.rationale, SECTION_MAX - 20)}`));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Estimated cost *${escapeMrkdwn(view.estimatedCost)}* · action \`${codeSafe(view.actionId)}\` · params \`${codeSafe(view.paramsHash.slice(0, 12))}\`` }] });
  if (view.status === 'pending') {
    const value = encodeBinding(view.approvalId, view.paramsHash);
    const button = (text: string, action_id: string, style?: 'primary' | 'danger'): Block => ({ type: 'button', text: { type: 'plain_text', text }, action_id, value, ...(style ? { style } : {}) });
    const elements = [button('Approve', ACTION_APPROVE, 'primary'), button('Reject', ACTION_REJECT, 'danger')];
    const text = editableText(view);
    if (text !== undefined && text.length <= INPUT_MAX) elements.push(button('Edit', ACTION_EDIT));
    blocks.push({ type: 'actions', block_id: 'bridle_approval', elements });
  } else {
    const who = view.decidedBy ? ` by *${escapeMrkdwn(view.decidedBy)}*` : '';
    const when = view.decidedAt ? ` on ${slackDate(view.decidedAt)}` : '';
    const why = view.reason ? `: ${fitMrkdwn(view.reason, 500)}` : '';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${STATUS_ICON[view.status]} ${STATUS_WORD[view.status]}${who}${when}${why}` }] });
  }
  const text = `${STATUS_WORD[view.status]}: ${view.type} from ${view.agentId}${view.decidedBy ? ` (by ${view.decidedBy})` : ''}`;
  return { text: text.slice(0, 300), blocks };
}

/**
 * The Edit modal for `views.open`: the text prefilled, and private_metadata carrying what the
 * submission is bound to plus the message to update afterwards (view_submission has no response_url).
 */
export function editModal(view: ApprovalView, message?: MessageRef): Block {
  const meta = JSON.stringify({ a: view.approvalId, h: view.paramsHash, ...(message ? { c: message.channel, t: message.ts } : {}) });
  return {
    type: 'modal',
    callback_id: EDIT_CALLBACK,
    private_metadata: meta,
    title: { type: 'plain_text', text: 'Edit and approve' },
    submit: { type: 'plain_text', text: 'Approve edited' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: `\`${codeSafe(view.type)}\` from agent \`${codeSafe(view.agentId)}\`. The edited text is checked again before it is approved.` }] },
      { type: 'input', block_id: EDIT_TEXT_BLOCK, label: { type: 'plain_text', text: 'Text' }, element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: INPUT_MAX, initial_value: (editableText(view) ?? '').slice(0, INPUT_MAX) } },
      { type: 'input', block_id: EDIT_REASON_BLOCK, optional: true, label: { type: 'plain_text', text: 'Reason (optional)' }, element: { type: 'plain_text_input', action_id: 'reason', max_length: 500 } },
    ],
  };
}
