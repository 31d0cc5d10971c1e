import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { manualClock, sequentialIds } from '../util/clock.js';
import { basePolicy, dialects, testStore, type TestStore } from '../test-support.js';
import { auditEntryWithVerification, auditFilterPage, auditFilterQuery, exportAuditWindow } from './audit-query.js';

describe.each(dialects)('audit filters on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(Date.UTC(2026, 0, 5));
  beforeEach(async () => {
    clock.set(Date.UTC(2026, 0, 5));
    t = await testStore(dialect);
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(basePolicy), clock, ids: sequentialIds() });
  });
  afterEach(async () => {
    await bridle.close().catch(() => {});
    await t.cleanup();
  });

  async function traffic() {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      const text = i % 3 === 0 ? 'guaranteed returns' : `post ${i}`;
      ids.push((await bridle.submit({ agentId: i % 2 === 0 ? 'bot' : 'drafty', type: 'social.post', params: { platform: 'x', text } })).id);
    }
    return ids;
  }

  it('filters by agent, kind, status, action and time, newest first, and pages with a cursor', async () => {
    const ids = await traffic();
    const blocked = await auditFilterPage(t.store, { status: 'blocked' });
    expect(blocked.items.map((i) => i.action_id)).toEqual([ids[3], ids[0]]);
    expect(blocked.items.every((i) => i.kind === 'action.blocked')).toBe(true);
    expect((await auditFilterPage(t.store, { kind: 'action.blocked', status: 'blocked' })).items).toHaveLength(2);
    expect((await auditFilterPage(t.store, { kind: 'action.received', status: 'blocked' })).items).toEqual([]);
    expect((await auditFilterPage(t.store, { agentId: 'drafty', status: 'blocked' })).items.map((i) => i.action_id)).toEqual([ids[3]]);
    expect((await auditFilterPage(t.store, { actionId: ids[1] })).items.map((i) => i.kind)).toEqual(['action.awaiting_approval', 'action.received']);
    const t0 = Date.UTC(2026, 0, 5);
    const window = await auditFilterPage(t.store, { from: t0 + 2000, to: t0 + 3000, kind: 'action.received' });
    expect(window.items.map((i) => i.action_id)).toEqual([ids[2], ids[1]]);
    // Walk every entry of the bot in pages of 3; no entry twice, none missed, strictly newest first.
    const all = (await auditFilterPage(t.store, { agentId: 'bot', limit: 1000 })).items.map((i) => i.id);
    const walked: string[] = [];
    let after: string | undefined;
    for (let n = 0; n < 100; n++) {
      const page = await auditFilterPage(t.store, { agentId: 'bot', limit: 3, ...(after ? { after } : {}) });
      walked.push(...page.items.map((i) => i.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(walked).toEqual(all);
    expect(all.length).toBeGreaterThan(6);
    await expect(auditFilterPage(t.store, { after: 'aud_nope' })).rejects.toMatchObject({ code: 'BRIDLE_E_VALIDATION' });
  });

  it('verifies one entry: its hash and its link to the previous entry, and notices tampering', async () => {
    await traffic();
    const page = await auditFilterPage(t.store, { agentId: 'bot', limit: 3 });
    const target = page.items[1]!;
    const ok = await auditEntryWithVerification(t.store, target.id);
    expect(ok?.verification).toMatchObject({ ok: true, hashMatches: true, linksToPrevious: true });
    expect(ok?.item.entry).toMatchObject({ id: target.id, seq: target.seq });
    const first = (await t.store.db.selectFrom('audit').select('id').where('agent_id', '=', 'bot').where('seq', '=', 1).executeTakeFirstOrThrow()).id;
    expect((await auditEntryWithVerification(t.store, first))?.verification.message).toMatch(/first entry/);
    // Change one byte of the body: the hash no longer matches.
    await t.store.db.updateTable('audit').set({ body: target.body.replace('"v":1', '"v":2') }).where('id', '=', target.id).execute();
    const bad = await auditEntryWithVerification(t.store, target.id);
    expect(bad?.verification).toMatchObject({ ok: false, hashMatches: false, linksToPrevious: true });
    expect(bad?.verification.message).toMatch(/^Broken: /);
    // The entry after it still links to the stored hash; break the previous hash instead.
    const next = page.items[0]!;
    await t.store.db.updateTable('audit').set({ hash: 'f'.repeat(64) }).where('id', '=', target.id).execute();
    expect((await auditEntryWithVerification(t.store, next.id))?.verification).toMatchObject({ ok: false, hashMatches: true, linksToPrevious: false });
    expect(await auditEntryWithVerification(t.store, 'aud_missing')).toBeNull();
  });

  it('exports JSON Lines like `bridle audit export`, optionally for a time window', async () => {
    await traffic();
    const lines: string[] = [];
    for await (const l of exportAuditWindow(t.store, { agentId: 'bot', exportedAt: clock.now() })) lines.push(l);
    const parsed = lines.map((l) => JSON.parse(l) as { type: string; entry?: { agentId: string; ts: number } });
    expect(parsed[0]).toMatchObject({ type: 'header', format: 'bridle-audit/1', agentId: 'bot' });
    expect(parsed.filter((p) => p.type === 'entry').every((p) => p.entry!.agentId === 'bot')).toBe(true);
    expect(parsed.some((p) => p.type === 'checkpoint')).toBe(true);
    const t0 = Date.UTC(2026, 0, 5);
    const windowed: string[] = [];
    for await (const l of exportAuditWindow(t.store, { from: t0 + 2000, to: t0 + 2000, exportedAt: clock.now() })) windowed.push(l);
    const entries = windowed.map((l) => JSON.parse(l) as { type: string; entry?: { ts: number } }).filter((p) => p.type === 'entry');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.entry!.ts === t0 + 2000)).toBe(true);
  });
});

describe('audit filters at scale (SQLite query plans)', () => {
  let t: TestStore;
  afterEach(async () => t.cleanup());

  it('answers every filter from an index, without sorting, over 20,000 entries', async () => {
    t = await testStore('sqlite');
    const db = t.store.sqlite!;
    const insert = db.prepare('insert into audit (agent_id, seq, id, action_id, ts, kind, prev_hash, hash, body) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const kinds = ['action.received', 'action.allowed', 'action.executing', 'action.succeeded', 'action.blocked'];
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) {
        const agent = `agent-${i % 20}`;
        insert.run(agent, Math.floor(i / 20) + 1, `aud_${String(i).padStart(8, '0')}`, `act_${Math.floor(i / 5)}`, 1_700_000_000_000 + i * 10, kinds[i % 5], '0', 'h', '{}');
      }
    })();
    db.exec('analyze');
    const plan = (q: ReturnType<typeof auditFilterQuery>) => {
      const c = q!.compile();
      return (db.prepare(`explain query plan ${c.sql}`).all(...(c.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join(' | ');
    };
    const cursor = { ts: 1_700_000_100_000, id: 'aud_00010000' };
    const cases: [string, ReturnType<typeof auditFilterQuery>, RegExp][] = [
      ['no filter', auditFilterQuery(t.store, {}, 101, cursor), /USING (COVERING )?INDEX audit_ts/],
      ['agent', auditFilterQuery(t.store, { agentId: 'agent-3' }, 101, cursor), /USING (COVERING )?INDEX audit_agent_ts/],
      ['kind', auditFilterQuery(t.store, { kind: 'action.blocked' }, 101, cursor), /USING (COVERING )?INDEX audit_kind_ts/],
      ['status', auditFilterQuery(t.store, { status: 'blocked', from: 1_700_000_000_000, to: 1_700_000_150_000 }, 101), /USING (COVERING )?INDEX audit_kind_ts/],
      ['time window', auditFilterQuery(t.store, { from: 1_700_000_050_000, to: 1_700_000_060_000 }, 101), /USING (COVERING )?INDEX audit_ts/],
      ['action', auditFilterQuery(t.store, { actionId: 'act_7' }, 101), /USING (COVERING )?INDEX audit_action/],
    ];
    for (const [name, q, want] of cases) {
      const p = plan(q);
      expect(p, name).toMatch(want);
      expect(p, name).not.toMatch(/SCAN audit(?! USING)/);
      if (name !== 'action') expect(p, name).not.toMatch(/TEMP B-TREE/);
    }
    // And the page is right: newest first under the cursor.
    const rows = await auditFilterQuery(t.store, { agentId: 'agent-3' }, 3, cursor)!.execute();
    expect(rows.map((r) => r.id)).toEqual(['aud_00009983', 'aud_00009963', 'aud_00009943']);
  });
});
