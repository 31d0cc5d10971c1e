import type { Alert, AlertMessage } from './types.js';

/** The email subject and the first line everywhere: severity first, since that is what people scan for. */
export function headline(alert: Alert): string {
  return `[Bridle] ${alert.severity.toUpperCase()}: ${alert.title}`;
}

/** Said on the next delivered alert after throttling dropped some. */
export function rollupLine(n: number): string | undefined {
  if (n <= 0) return undefined;
  return `${n} more ${n === 1 ? 'alert' : 'alerts'} suppressed on this channel by the throttle since the last delivery.`;
}

/** The alert's own fields as label/value pairs, in the order the guard gave them. */
export function facts(alert: Alert): [string, string][] {
  return Object.entries(alert.fields).map(([k, v]) => [k, String(v)]);
}

/** Where the alert came from: kind, agent, time, delivery id. */
export function context(m: AlertMessage): [string, string][] {
  const out: [string, string][] = [['kind', m.alert.kind]];
  if (m.alert.agentId) out.push(['agent', m.alert.agentId]);
  out.push(['at', new Date(m.alert.at).toISOString()], ['alert', m.deliveryId]);
  return out;
}

/** The whole alert as plain text: the email body and the fallback for clients without blocks. */
export function plainText(m: AlertMessage): string {
  const lines = [headline(m.alert), '', m.alert.text];
  const f = facts(m.alert);
  if (f.length > 0) lines.push('', ...f.map(([k, v]) => `${k}: ${v}`));
  lines.push('', ...context(m).map(([k, v]) => `${k}: ${v}`));
  const r = rollupLine(m.suppressedCount);
  if (r) lines.push('', r);
  return `${lines.join('\n')}\n`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLOURS = { info: '#2563eb', warning: '#d97706', critical: '#dc2626' } as const;

/** A small HTML body with inline styles only: mail clients strip style sheets. */
export function html(m: AlertMessage): string {
  const row = ([k, v]: [string, string]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const f = facts(m.alert);
  const r = rollupLine(m.suppressedCount);
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="color:${COLOURS[m.alert.severity]}">${escapeHtml(headline(m.alert))}</h2>`,
    `<p style="white-space:pre-wrap">${escapeHtml(m.alert.text)}</p>`,
    f.length > 0 ? `<table>${f.map(row).join('')}</table>` : '',
    `<table style="color:#555;font-size:12px;margin-top:12px">${context(m).map(row).join('')}</table>`,
    r ? `<p><em>${escapeHtml(r)}</em></p>` : '',
    '</body></html>',
  ].join('\n');
}
