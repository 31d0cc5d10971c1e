import { afterEach, describe, expect, it } from 'vitest';
import { smtpServer, type TestSmtpServer } from '../test-servers.js';
import type { AlertMessage } from '../types.js';
import { classifySmtpError, emailSender } from './index.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function message(suppressedCount = 0): AlertMessage {
  return {
    alert: { id: 'alert_7', kind: 'agent.killed', severity: 'critical', title: 'growth-bot was killed', text: 'Killed by alice: <script>x</script> posts', agentId: 'growth-bot', fields: { actor: 'alice', failures: 5 }, dedupeKey: 'agent.killed:growth-bot', at: now },
    deliveryId: 'alert_7.oncall-email',
    channel: 'oncall-email',
    suppressedCount,
    now,
  };
}

const signal = () => AbortSignal.timeout(10_000);
let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

describe('email over SMTP', () => {
  it('delivers a plain-text and HTML mail with severity and title in the subject', async () => {
    smtp = await smtpServer();
    const sender = emailSender({ smtpUrl: smtp.url, from: 'bridle@acme.test', to: ['ops@acme.test', 'sec@acme.test'], timeoutMs: 10_000 });
    expect(await sender.send(message(2), signal())).toEqual({ ok: true });
    await sender.close?.();
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('bridle@acme.test');
    expect(mail.to).toEqual(['ops@acme.test', 'sec@acme.test']);
    expect(mail.headers.subject).toBe('[Bridle] CRITICAL: growth-bot was killed');
    expect(mail.headers['message-id']).toBe('<alert_7.oncall-email@bridle.alerts>');
    expect(mail.headers['x-bridle-delivery']).toBe('alert_7.oncall-email');
    expect(mail.text).toBe(
      [
        '[Bridle] CRITICAL: growth-bot was killed',
        '',
        'Killed by alice: <script>x</script> posts',
        '',
        'actor: alice',
        'failures: 5',
        '',
        'kind: agent.killed',
        'agent: growth-bot',
        'at: 2026-01-01T12:00:00.000Z',
        'alert: alert_7.oncall-email',
        '',
        '2 more alerts suppressed on this channel by the throttle since the last delivery.',
        '',
      ].join('\n'),
    );
    expect(mail.html).toContain('Killed by alice: &lt;script&gt;x&lt;/script&gt; posts');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('<th align="left" style="padding:2px 12px 2px 0">failures</th><td>5</td>');
  });

  it('treats a 5xx recipient refusal as permanent and 4xx as transient', async () => {
    smtp = await smtpServer({ rcpt: (_a, i) => (i === 0 ? 550 : 451) });
    const sender = emailSender({ smtpUrl: smtp.url, from: 'bridle@acme.test', to: ['nobody@acme.test'], timeoutMs: 10_000 });
    const first = await sender.send(message(), signal());
    expect(first).toMatchObject({ ok: false, permanent: true });
    expect(first.ok ? '' : first.error).toMatch(/^SMTP 550: .*No such user here.* \(127\.0\.0\.1:\d+\)$/);
    const second = await sender.send(message(), signal());
    expect(second).toMatchObject({ ok: false, permanent: false });
    expect(second.ok ? '' : second.error).toMatch(/^SMTP 451: /);
    expect(smtp.mails).toHaveLength(0);
  });

  it('treats a refused connection as transient and keeps credentials out of the error', async () => {
    smtp = await smtpServer();
    const url = `smtp://user:hunter2@127.0.0.1:${smtp.port}`;
    await smtp.close();
    smtp = undefined;
    const r = await emailSender({ smtpUrl: url, from: 'bridle@acme.test', to: ['ops@acme.test'], timeoutMs: 10_000 }).send(message(), signal());
    expect(r).toMatchObject({ ok: false, permanent: false });
    expect(r.ok ? '' : r.error).toContain('ECONNREFUSED');
    expect(r.ok ? '' : r.error).not.toContain('hunter2');
  });

  it('classifies SMTP errors by reply code, then by error code', () => {
    expect(classifySmtpError({ responseCode: 554, response: '554 rejected' }, 1000, false)).toEqual({ ok: false, permanent: true, error: 'SMTP 554: 554 rejected' });
    expect(classifySmtpError({ responseCode: 421, response: '421 busy' }, 1000, false)).toMatchObject({ permanent: false });
    expect(classifySmtpError({ code: 'EENVELOPE', message: 'No recipients defined' }, 1000, false)).toMatchObject({ permanent: true });
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'Greeting never received' }, 1000, false)).toMatchObject({ permanent: false });
    expect(classifySmtpError(new Error('aborted'), 1000, true)).toEqual({ ok: false, permanent: false, error: 'SMTP: no answer within 1000 ms' });
  });
});
