import { context, facts, headline, rollupLine } from '../format.js';
import type { AlertMessage } from '../types.js';

/** The subset of Block Kit the alerts use. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
  | { type: 'section'; text?: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

export interface SlackMessage {
  /** Shown in notifications and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
}

// Block Kit limits: a header's text ≤ 150 characters, a section's text ≤ 3000, a field ≤ 2000
// and ≤ 10 fields per section, ≤ 10 context elements, ≤ 50 blocks. Slack rejects a message
// over any of them with `invalid_blocks`, which would turn a long alert into a dead letter.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_PER_SECTION = 10;
const MAX_FIELD_SECTIONS = 4;

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Slack's mrkdwn treats &, < and > as control characters; everything else is shown as written. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const EMOJI = { info: ':information_source:', warning: ':warning:', critical: ':red_circle:' } as const;

/** The alert as `{text, blocks}`: a header, the text, the fields two by two, then a context line. */
export function slackMessage(m: AlertMessage): SlackMessage {
  const a = m.alert;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${EMOJI[a.severity]} ${a.severity.toUpperCase()}: ${a.title}`, HEADER_MAX), emoji: true } },
  ];
  if (a.text.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(a.text), SECTION_MAX) } });
  const fields = facts(a).map(([k, v]) => ({ type: 'mrkdwn' as const, text: cut(`*${escapeMrkdwn(k)}*\n${escapeMrkdwn(v)}`, FIELD_MAX) }));
  for (let i = 0; i < fields.length && i < FIELDS_PER_SECTION * MAX_FIELD_SECTIONS; i += FIELDS_PER_SECTION) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + FIELDS_PER_SECTION) });
  }
  const elements = context(m).map(([k, v]) => ({ type: 'mrkdwn' as const, text: `${k}: ${k === 'alert' || k === 'kind' ? `\`${escapeMrkdwn(v)}\`` : escapeMrkdwn(v)}` }));
  blocks.push({ type: 'context', elements });
  const r = rollupLine(m.suppressedCount);
  if (r) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:mute: ${escapeMrkdwn(r)}` }] });
  const text = cut([headline(a), a.text, r].filter(Boolean).map((s) => escapeMrkdwn(s!)).join('\n'), SECTION_MAX);
  return { text, blocks };
}
