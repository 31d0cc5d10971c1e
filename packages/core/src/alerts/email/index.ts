import type { SendMailOptions, Transporter } from 'nodemailer';
import { clip, redact } from '../http.js';
import { headline, html, plainText } from '../format.js';
import type { AlertSender, AlertDeliveryResult } from '../types.js';

export interface EmailOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  smtpUrl: string;
  from: string;
  to: string[];
  timeoutMs: number;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/**
 * SMTP replies say whether to try again: 5xx is final (unknown mailbox, rejected login), 4xx is
 * "later" (greylisting, mailbox busy). Errors without a reply (refused connection, timeout,
 * TLS) may clear up; a message without any accepted recipient (EENVELOPE) will not.
 */
export function classifySmtpError(e: unknown, timeoutMs: number, aborted: boolean): AlertDeliveryResult {
  const err = (e ?? {}) as SmtpError;
  if (aborted) return { ok: false, permanent: false, error: `SMTP: no answer within ${timeoutMs} ms` };
  const detail = clip(err.response ?? err.message ?? String(e));
  if (typeof err.responseCode === 'number') return { ok: false, permanent: err.responseCode >= 500, error: `SMTP ${err.responseCode}: ${detail}` };
  return { ok: false, permanent: err.code === 'EENVELOPE' || err.code === 'EAUTH', error: `SMTP${err.code ? ` ${err.code}` : ''}: ${detail}` };
}

/**
 * Email through any SMTP server with nodemailer: a plain-text body and a simple HTML one, the
 * subject `[Bridle] SEVERITY: title`. The Message-ID is derived from the delivery id, so a
 * retried message that did arrive the first time is recognisably the same one.
 *
 * @example
 *   const sender = emailSender({ smtpUrl: process.env.SMTP_URL!, from: 'bridle@acme.test', to: ['ops@acme.test'], timeoutMs: 10_000 });
 */
export function emailSender(opts: EmailOptions): AlertSender {
  // nodemailer is loaded with the first mail: a server with no email channel never carries it.
  let transport: Transporter | undefined;
  const connect = async (): Promise<Transporter> =>
    (transport ??= (await import('nodemailer')).createTransport({ url: opts.smtpUrl, connectionTimeout: opts.timeoutMs, greetingTimeout: opts.timeoutMs, socketTimeout: opts.timeoutMs }));
  const host = redact(opts.smtpUrl.replace(/^smtps?:/i, 'http:'));
  return {
    kind: 'email',
    async send(m, signal) {
      // nodemailer ≥ 8 cancels a send when `signal` aborts; its type definitions predate that.
      const mail: SendMailOptions & { signal: AbortSignal } = {
        from: opts.from,
        to: opts.to,
        subject: headline(m.alert).replace(/\s+/g, ' '),
        text: plainText(m),
        html: html(m),
        messageId: `<${m.deliveryId.replace(/[^A-Za-z0-9_.-]/g, '-')}@bridle.alerts>`,
        headers: { 'X-Bridle-Delivery': m.deliveryId, 'X-Bridle-Alert-Kind': m.alert.kind, 'X-Bridle-AlertSeverity': m.alert.severity },
        signal,
      };
      try {
        await (await connect()).sendMail(mail);
        return { ok: true };
      } catch (e) {
        const r = classifySmtpError(e, opts.timeoutMs, signal.aborted);
        return r.ok ? r : { ...r, error: `${r.error} (${host.replace(/^http:\/\//, '')})` };
      }
    },
    async close() {
      transport?.close();
    },
  };
}
