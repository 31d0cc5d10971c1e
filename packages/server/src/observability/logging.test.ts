import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationStream } from 'pino';
import { ADMIN, obsServer } from './test-helpers.js';
import { createLogger, logOptionsFromEnv, prettyStream } from './logging.js';

/** A destination that keeps what pino writes. */
function capture(): DestinationStream & { lines: string[]; json(): Record<string, unknown>[] } {
  const lines: string[] = [];
  return {
    lines,
    write(s: string) {
      lines.push(...s.split('\n').filter((l) => l !== ''));
    },
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('structured logs', () => {
  let s: Awaited<ReturnType<typeof obsServer>> | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('writes one JSON line per durable transition, each with the action id', async () => {
    const out = capture();
    s = await obsServer({ metrics: { enabled: false } }, createLogger({ level: 'info', destination: out }));
    const ok = await s.submit(s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'Shipping day!' } });
    const blocked = await s.submit(s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'guaranteed returns' } });
    const failed = await s.submit(s.keys.alpha, { type: 'flaky.call', params: {} });
    const lines = out.json();
    for (const l of lines) expect(l).toMatchObject({ level: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), msg: expect.any(String) });
    const of = (id: string) => lines.filter((l) => l.actionId === id).map((l) => [l.level, l.status, l.from ?? null, l.code ?? null]);
    expect(of(ok.id)).toEqual([
      ['info', 'received', null, null],
      ['info', 'allowed', 'received', 'allowed'],
      ['info', 'executing', 'allowed', null],
      ['info', 'succeeded', 'executing', null],
    ]);
    expect(of(blocked.id)).toEqual([
      ['info', 'received', null, null],
      ['info', 'blocked', 'received', 'check_failed'],
    ]);
    expect(of(failed.id).at(-1)).toEqual(['warn', 'failed', 'executing', 'BRIDLE_E_CONNECTOR']);
    const done = lines.find((l) => l.actionId === ok.id && l.status === 'succeeded')!;
    expect(done).toMatchObject({ agentId: 'alpha', type: 'social.post', costMicroUsd: 10_000, msg: 'action succeeded' });
  });

  it('gives request lines about one action its id, and never logs credentials', async () => {
    const out = capture();
    s = await obsServer({ metrics: { enabled: false }, lifecycleLogs: false }, createLogger({ level: 'debug', destination: out }));
    const a = await s.submit(s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'hi' } });
    await s.app.inject({ method: 'GET', url: `/v1/actions/${a.id}`, headers: { authorization: `Bearer ${s.keys.alpha}` } });
    await s.app.inject({ method: 'GET', url: '/v1/approvals', headers: { authorization: `Bearer ${ADMIN}` } });
    const requests = out.json().filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.route, l.statusCode, l.actionId ?? null])).toEqual([
      ['/v1/actions', 200, null],
      ['/v1/actions/:id', 200, a.id],
      ['/v1/approvals', 200, null],
    ]);
    expect(out.lines.join('\n')).not.toContain(s.keys.alpha);
    expect(out.lines.join('\n')).not.toContain(ADMIN);
  });

  it('formats pretty lines for a terminal', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'pretty', destination: out });
    log.info({ actionId: 'act_1', status: 'blocked', reason: 'two words' }, 'action blocked');
    log.debug('hidden');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  action blocked actionId=act_1 status=blocked reason="two words"$/);
    const raw = capture();
    prettyStream(raw).write('not json\n');
    expect(raw.lines).toEqual(['not json']);
  });

  it('reads level and format from the environment and refuses bad values', () => {
    expect(logOptionsFromEnv({}, false)).toEqual({ level: 'info', format: 'json' });
    expect(logOptionsFromEnv({}, true)).toEqual({ level: 'warn', format: 'pretty' });
    expect(logOptionsFromEnv({ BRIDLE_LOG_LEVEL: 'debug', BRIDLE_LOG_FORMAT: 'json' }, true)).toEqual({ level: 'debug', format: 'json' });
    expect(() => logOptionsFromEnv({ BRIDLE_LOG_LEVEL: 'loud' }, false)).toThrow(/BRIDLE_LOG_LEVEL/);
    expect(() => logOptionsFromEnv({ BRIDLE_LOG_FORMAT: 'xml' }, false)).toThrow(/BRIDLE_LOG_FORMAT/);
  });
});
