import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from './signature.js';

// The example from Slack's "Verifying requests from Slack" guide.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = '1531420618';
const BODY = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const now = Number(TS) * 1000;

describe('verifySlackSignature', () => {
  it("accepts Slack's documented example and our own signing agrees with it", () => {
    expect(signSlackRequest(SECRET, TS, BODY)).toBe(SIG);
    expect(verifySlackSignature({ rawBody: BODY, timestamp: TS, signature: SIG, signingSecret: SECRET, now })).toEqual({ ok: true });
  });

  it.each([
    ['a changed body', { rawBody: BODY + 'x' }, 'mismatch'],
    ['another secret', { signingSecret: SECRET + 'x' }, 'mismatch'],
    ['a timestamp 301 s old', { now: now + 301_000 }, 'stale_timestamp'],
    ['a timestamp 301 s ahead', { now: now - 301_000 }, 'future_timestamp'],
    ['no signature', { signature: undefined }, 'missing_headers'],
    ['no timestamp', { timestamp: undefined }, 'missing_headers'],
    ['a non-numeric timestamp', { timestamp: '15314e0618' }, 'malformed_timestamp'],
    ['version v1', { signature: SIG.replace('v0=', 'v1=') }, 'unsupported_version'],
    ['no version', { signature: SIG.slice(3) }, 'malformed_signature'],
    ['a short digest', { signature: SIG.slice(0, -2) }, 'malformed_signature'],
    ['a non-hex digest', { signature: SIG.slice(0, -1) + 'g' }, 'malformed_signature'],
  ])('refuses %s', (_name, change, reason) => {
    const r = verifySlackSignature({ rawBody: BODY, timestamp: TS, signature: SIG, signingSecret: SECRET, now, ...change });
    expect(r).toEqual({ ok: false, reason });
  });

  it('accepts exactly at the tolerance edge and honours a custom tolerance', () => {
    expect(verifySlackSignature({ rawBody: BODY, timestamp: TS, signature: SIG, signingSecret: SECRET, now: now + 300_000 }).ok).toBe(true);
    expect(verifySlackSignature({ rawBody: BODY, timestamp: TS, signature: SIG, signingSecret: SECRET, now: now + 61_000, toleranceS: 60 })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });
});
