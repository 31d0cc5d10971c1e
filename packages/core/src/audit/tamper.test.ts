import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../json.js';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import type { Store } from '../store/open.js';
import { basePolicy, dialects, testStore, type TestStore } from '../test-support.js';
import { sealEntry, type AuditInput, type AuditRow } from './entry.js';
import { loadOrCreateSigner, signerFromKey, trustedKeysFromDataDir, trustedKeysFromPem, type Signer, type TrustedKeys } from './signer.js';
import { exportAudit, verifyStore, type VerifyStoreOptions } from './store.js';
import { checkpointText, verifyChains, type CheckpointRecord, type VerifiableEntry, type VerifyReport } from './verify.js';

/*
 * The fixture: `bot` (mode auto) posts 6 times, 4 entries each → chain `bot` has seq 1..24;
 * `drafty` (mode draft) posts 4 times, 2 entries each (received, awaiting_approval) → seq 1..8;
 * `_system` holds the policy.loaded entry. The last write is bot's final `action.succeeded`
 * (seq 24), alone in its batch, so the newest checkpoint names only `bot`.
 * Everything is submitted sequentially, so positions are deterministic:
 * bot action i (1-based) owns seq 4i-3 (received) … 4i (succeeded).
 *
 * Each tampering test pins the chain and position of the first broken entry exactly; reasons are
 * matched on their meaning (a few words), not their full wording.
 */
const BOT_LAST = 24;
const DRAFTY_LAST = 8;

async function populate(store: Store): Promise<void> {
  const bridle = await Bridle.open({ store, policy: parsePolicy(basePolicy) });
  try {
    for (let i = 1; i <= 6; i++) {
      const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: `post number ${i}` } });
      expect(a.status).toBe('succeeded');
      if (i <= 4) {
        const d = await bridle.submit({ agentId: 'drafty', type: 'social.post', params: { platform: 'linkedin', text: `draft number ${i}` } });
        expect(d.status).toBe('awaiting_approval');
      }
    }
  } finally {
    await bridle.close();
  }
}

async function row(store: Store, agentId: string, seq: number): Promise<AuditRow> {
  return store.db.selectFrom('audit').selectAll().where('agent_id', '=', agentId).where('seq', '=', seq).executeTakeFirstOrThrow();
}

async function chain(store: Store, agentId: string): Promise<AuditRow[]> {
  return store.db.selectFrom('audit').selectAll().where('agent_id', '=', agentId).orderBy('seq').execute();
}

/** The input a row was sealed from (its body minus what sealing adds). */
function inputOf(r: AuditRow): AuditInput {
  const { v: _v, seq: _s, prevHash: _p, ...input } = JSON.parse(r.body) as AuditInput & { v: number; seq: number; prevHash: string };
  return input;
}

async function newestCheckpointNaming(store: Store, agentId: string) {
  const cps = await store.db.selectFrom('checkpoints').selectAll().orderBy('id', 'desc').execute();
  const cp = cps.find((c) => agentId in (JSON.parse(c.heads) as Record<string, unknown>));
  if (!cp) throw new Error(`no checkpoint names ${agentId}`);
  return cp;
}

/** What an attacker with write access to the database can do: rewrite rows and hashes, not sign with Bridle's key. */
async function insertSignedCheckpoint(store: Store, signer: Signer, id: string, heads: Record<string, { seq: number; hash: string }>): Promise<void> {
  const ts = Date.now();
  await store.db
    .insertInto('checkpoints')
    .values({ id, ts, heads: JSON.stringify(heads), key_id: signer.keyId, signature: signer.sign(checkpointText({ id, ts, heads })) })
    .execute();
}

function parseExport(lines: readonly string[]): { header: Record<string, unknown>; entries: VerifiableEntry[]; checkpoints: CheckpointRecord[] } {
  let header: Record<string, unknown> = {};
  const entries: VerifiableEntry[] = [];
  const checkpoints: CheckpointRecord[] = [];
  for (const line of lines) {
    const rec = JSON.parse(line) as { type: string; hash?: string; entry?: Record<string, unknown> } & Partial<CheckpointRecord>;
    if (rec.type === 'header') header = rec;
    else if (rec.type === 'entry') {
      const e = rec.entry!;
      entries.push({
        agentId: e.agentId as string,
        seq: e.seq as number,
        id: e.id as string,
        actionId: (e.actionId as string | null) ?? null,
        ts: e.ts as number,
        kind: e.kind as string,
        prevHash: e.prevHash as string,
        hash: rec.hash!,
        body: canonicalJson(e),
      });
    } else if (rec.type === 'checkpoint') {
      const { type: _t, ...cp } = rec;
      checkpoints.push(cp as CheckpointRecord);
    } else throw new Error(`unexpected export line ${line}`);
  }
  return { header, entries, checkpoints };
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

function expectBroken(r: VerifyReport, agentId: string, seq: number, reason: RegExp, id?: string | null): void {
  expect(r.ok).toBe(false);
  expect(r.firstBroken).not.toBeNull();
  expect(r.firstBroken!.agentId).toBe(agentId);
  expect(r.firstBroken!.seq).toBe(seq);
  expect(r.firstBroken!.reason).toMatch(reason);
  if (id !== undefined) expect(r.firstBroken!.id).toBe(id);
}

/*
 * Every verification below also runs in parallel (SQLite on a file), with the log cut into slices
 * at different places, and must give exactly the single-threaded report. Log positions in the
 * untouched fixture: _system 0, bot 1..24 (seq = position), drafty 25..32.
 */
const LAYOUTS: { name: string; opts: VerifyStoreOptions }[] = [
  { name: 'two equal slices (one cut inside bot)', opts: { workers: 2, parallelFrom: 0 } },
  { name: 'three slices cut between the chains', opts: { cuts: [1, 25], parallelFrom: 0 } },
  { name: 'four slices cut inside the chains', opts: { cuts: [5, 10, 29], parallelFrom: 0 } },
];

/** verifyStore on this thread, and checked against every parallel layout; returns the single-threaded report. */
async function verifyEveryWay(store: Store, trusted: TrustedKeys | null): Promise<VerifyReport> {
  const single = await verifyStore(store, trusted, { workers: 0 });
  for (const { name, opts } of LAYOUTS) {
    let path = '';
    const r = await verifyStore(store, trusted, { ...opts, onPath: (p, why) => (path = why ? `${p}: ${why}` : p) });
    expect(path, name).toBe(store.dialect === 'sqlite' ? 'parallel' : 'single');
    expect(r, name).toStrictEqual(single);
  }
  return single;
}

describe.each(dialects)('audit tamper detection on %s', (dialect) => {
  let t: TestStore;
  const trusted = () => trustedKeysFromPem(trustedKeysFromDataDir(t.dataDir));
  const verify = () => verifyEveryWay(t.store, trusted());

  beforeEach(async () => {
    t = await testStore(dialect);
    await populate(t.store);
  });
  afterEach(async () => {
    await t?.cleanup();
  });


  it('an untouched store verifies, with every chain and its checkpoints checked', async () => {
    expect(trustedKeysFromDataDir(t.dataDir)).toHaveLength(1);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, firstBroken: null, entries: 1 + BOT_LAST + DRAFTY_LAST, chains: 3, warnings: [] });
    expect(r.checkpointsChecked).toBeGreaterThanOrEqual(3);
    expect((await chain(t.store, 'bot')).map((x) => x.seq)).toEqual(Array.from({ length: BOT_LAST }, (_, i) => i + 1));
    expect((await chain(t.store, 'drafty')).map((x) => x.seq)).toEqual(Array.from({ length: DRAFTY_LAST }, (_, i) => i + 1));
    // The fixture's positions, which the tampering below relies on.
    expect((await row(t.store, 'bot', 5)).kind).toBe('action.received');
    expect((await row(t.store, 'bot', 5)).body).toContain('post number 2');
    expect((await row(t.store, 'bot', BOT_LAST)).kind).toBe('action.succeeded');
    const newest = await newestCheckpointNaming(t.store, 'bot');
    expect(JSON.parse(newest.heads)).toEqual({ bot: { seq: BOT_LAST, hash: (await row(t.store, 'bot', BOT_LAST)).hash } });
  });

  // ── (a) modified body ───────────────────────────────────────────────────────────────────────

  it('(a) one changed byte in a body is reported as modified at that entry', async () => {
    const r5 = await row(t.store, 'bot', 5);
    const body = r5.body.replace('post number 2', 'post number 7');
    expect(body).not.toBe(r5.body);
    expect(body.length).toBe(r5.body.length);
    await t.store.db.updateTable('audit').set({ body }).where('agent_id', '=', 'bot').where('seq', '=', 5).execute();
    expectBroken(await verify(), 'bot', 5, /modified|does not match its hash/, r5.id);
  });

  it('(a) a changed body whose hash column is recomputed breaks the link from the next entry', async () => {
    const r5 = await row(t.store, 'bot', 5);
    const body = r5.body.replace('post number 2', 'post number 7');
    await t.store.db.updateTable('audit').set({ body, hash: sha256Hex(body) }).where('agent_id', '=', 'bot').where('seq', '=', 5).execute();
    const r6 = await row(t.store, 'bot', 6);
    expectBroken(await verify(), 'bot', 6, /link/, r6.id);
  });

  it('(a) a changed last entry with a recomputed hash (and chain head) is caught by the signed checkpoint', async () => {
    const last = await row(t.store, 'bot', BOT_LAST);
    const body = last.body.replace('"succeeded"', '"succeedex"');
    expect(body).not.toBe(last.body);
    const hash = sha256Hex(body);
    await t.store.db.updateTable('audit').set({ body, hash }).where('agent_id', '=', 'bot').where('seq', '=', BOT_LAST).execute();
    await t.store.db.updateTable('chain_heads').set({ hash }).where('agent_id', '=', 'bot').execute();
    expectBroken(await verify(), 'bot', BOT_LAST, /checkpoint.*rewritten/, last.id);
  });

  it('(a) a chain re-sealed link by link from the change onward is caught only by the checkpoints', async () => {
    const rows = await chain(t.store, 'bot');
    let prev = rows[3]!.hash; // seq 4 stays; everything from seq 5 is re-sealed
    for (const r of rows.slice(4)) {
      const input = inputOf(r);
      if (r.seq === 5) input.data = { ...input.data, params: { platform: 'x', text: 'post number 7' } };
      const sealed = sealEntry(input, r.seq, prev);
      await t.store.db.updateTable('audit').set({ body: sealed.body, hash: sealed.hash, prev_hash: sealed.prev_hash }).where('agent_id', '=', 'bot').where('seq', '=', r.seq).execute();
      prev = sealed.hash;
    }
    await t.store.db.updateTable('chain_heads').set({ hash: prev }).where('agent_id', '=', 'bot').execute();
    expect((await row(t.store, 'bot', 5)).body).toContain('post number 7');
    // Every hash and link is consistent now: without checkpoints the only complaint is that nothing vouches for it.
    const bare = await verifyChains((await chain(t.store, 'bot')).map((r) => ({ agentId: r.agent_id, seq: r.seq, id: r.id, actionId: r.action_id, ts: r.ts, kind: r.kind, prevHash: r.prev_hash, hash: r.hash, body: r.body })), [], null);
    expect(bare.ok).toBe(false);
    expect(bare.firstBroken!.reason).not.toMatch(/link|modified|hash/);
    // With them, it is caught at the first checkpointed position at or after the change.
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.firstBroken!.agentId).toBe('bot');
    expect(r.firstBroken!.seq).toBeGreaterThanOrEqual(5);
    expect(r.firstBroken!.seq).toBeLessThanOrEqual(BOT_LAST);
    expect(r.firstBroken!.reason).toMatch(/checkpoint/);
  });

  // ── (b) deleted middle row ──────────────────────────────────────────────────────────────────

  it('(b) a deleted middle row is reported as missing at its seq', async () => {
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', 10).execute();
    expectBroken(await verify(), 'bot', 10, /entry 10 is missing/, null);
  });

  it('(b) a deleted first row is reported as missing at seq 1', async () => {
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'drafty').where('seq', '=', 1).execute();
    expectBroken(await verify(), 'drafty', 1, /entry 1 is missing/, null);
  });

  // ── (c) deleted last row ────────────────────────────────────────────────────────────────────

  it('(c) a deleted last row is caught by the checkpoint, at the missing seq', async () => {
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', BOT_LAST).execute();
    expectBroken(await verify(), 'bot', BOT_LAST, /tail deleted/, null);
  });

  it('(c) a deleted last row is caught even when chain_heads is fixed to match', async () => {
    const prev = await row(t.store, 'bot', BOT_LAST - 1);
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', BOT_LAST).execute();
    await t.store.db.updateTable('chain_heads').set({ seq: BOT_LAST - 1, hash: prev.hash }).where('agent_id', '=', 'bot').execute();
    expectBroken(await verify(), 'bot', BOT_LAST, /tail deleted/, null);
  });

  // Bridle signs whatever head it finds, so once it appends to a truncated chain (heads fixed) the
  // newest checkpoint vouches for the shortened chain; only older checkpoints remember the deleted entry.
  it('(c) a truncated tail stays detectable after Bridle appends to the shortened chain', async () => {
    const prev = await row(t.store, 'bot', BOT_LAST - 1);
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', BOT_LAST).execute();
    await t.store.db.updateTable('chain_heads').set({ seq: BOT_LAST - 1, hash: prev.hash }).where('agent_id', '=', 'bot').execute();
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(basePolicy) });
    await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'after the truncation' } });
    await bridle.close();
    const replaced = await row(t.store, 'bot', BOT_LAST);
    expect(replaced.body).toContain('after the truncation');
    expectBroken(await verify(), 'bot', BOT_LAST, /checkpoint/, replaced.id);
  });

  it('a chain whose rows are all deleted is caught by the checkpoints that name it', async () => {
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'drafty').execute();
    expectBroken(await verify(), 'drafty', 1, /no entries.*deleted/, null);
  });

  // ── (d) reordered rows ──────────────────────────────────────────────────────────────────────

  it('(d) two rows whose seq values are swapped break the link at the first of them', async () => {
    const [r7, r8] = [await row(t.store, 'bot', 7), await row(t.store, 'bot', 8)];
    const setSeq = (id: string, seq: number) => t.store.db.updateTable('audit').set({ seq }).where('id', '=', id).execute();
    await setSeq(r7.id, -1);
    await setSeq(r8.id, 7);
    await setSeq(r7.id, 8);
    expect((await row(t.store, 'bot', 7)).id).toBe(r8.id);
    expectBroken(await verify(), 'bot', 7, /link/, r8.id);
  });

  // ── (e) forged appended row ─────────────────────────────────────────────────────────────────

  it('(e) a forged entry appended with a correct hash and link is caught by the signed checkpoints', async () => {
    const last = await row(t.store, 'bot', BOT_LAST);
    const forged = sealEntry(
      { id: 'aud_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', agentId: 'bot', actionId: last.action_id, kind: 'action.undone', ts: last.ts + 1, policyVersion: inputOf(last).policyVersion, actor: { type: 'operator', id: 'mallory' }, data: { to: 'undone', from: 'succeeded' } },
      BOT_LAST + 1,
      last.hash,
    );
    await t.store.db.insertInto('audit').values(forged).execute();
    await t.store.db.updateTable('chain_heads').set({ seq: forged.seq, hash: forged.hash }).where('agent_id', '=', 'bot').execute();
    expectBroken(await verify(), 'bot', BOT_LAST + 1, /not covered by any signed checkpoint/, null);
    // Rewriting Bridle's newest checkpoint to cover it breaks that checkpoint's signature instead.
    const entries = (await chain(t.store, 'bot')).map((r) => ({ agentId: r.agent_id, seq: r.seq, id: r.id, actionId: r.action_id, ts: r.ts, kind: r.kind, prevHash: r.prev_hash, hash: r.hash, body: r.body }));
    const cp = await newestCheckpointNaming(t.store, 'bot');
    const r = await verifyChains(entries, [{ id: cp.id, ts: cp.ts, heads: { bot: { seq: forged.seq, hash: forged.hash } }, keyId: cp.key_id, signature: cp.signature }], trusted());
    expectBroken(r, 'bot', BOT_LAST + 1, /invalid signature/, null);
  });

  it("(e) a forged entry plus a checkpoint claiming Bridle's key id with a made-up signature is caught", async () => {
    const last = await row(t.store, 'bot', BOT_LAST);
    const forged = sealEntry({ ...inputOf(last), id: 'aud_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', kind: 'action.undone' }, BOT_LAST + 1, last.hash);
    await t.store.db.insertInto('audit').values(forged).execute();
    const real = loadOrCreateSigner(t.dataDir);
    const attacker = signerFromKey(generateKeyPairSync('ed25519').privateKey);
    await insertSignedCheckpoint(t.store, { keyId: real.keyId, sign: (s) => attacker.sign(s) }, 'cp_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', { bot: { seq: forged.seq, hash: forged.hash } });
    expectBroken(await verify(), 'bot', BOT_LAST + 1, /invalid signature/, null);
  });

  it('(e) a forged entry plus a checkpoint signed with an untrusted key fails when keys are trusted', async () => {
    const last = await row(t.store, 'bot', BOT_LAST);
    const forged = sealEntry({ ...inputOf(last), id: 'aud_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', kind: 'action.undone' }, BOT_LAST + 1, last.hash);
    await t.store.db.insertInto('audit').values(forged).execute();
    const attacker = signerFromKey(generateKeyPairSync('ed25519').privateKey);
    await insertSignedCheckpoint(t.store, attacker, 'cp_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', { bot: { seq: forged.seq, hash: forged.hash } });
    expectBroken(await verify(), 'bot', BOT_LAST + 1, /not trusted|untrusted/, null);
    // Trusting no key at all only compares heads, so this forgery passes — with a warning saying so.
    const unauth = await verifyEveryWay(t.store, null);
    expect(unauth.warnings.join('\n')).toMatch(/not authenticated/);
  });

  // ── (f) altered checkpoints ─────────────────────────────────────────────────────────────────

  it('(f) altered heads in the newest checkpoint fail its signature', async () => {
    const cp = await newestCheckpointNaming(t.store, 'bot');
    const heads = JSON.parse(cp.heads) as Record<string, { seq: number; hash: string }>;
    expect(Object.keys(heads)).toEqual(['bot']);
    expect(heads.bot!.seq).toBe(BOT_LAST);
    heads.bot!.hash = heads.bot!.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await t.store.db.updateTable('checkpoints').set({ heads: JSON.stringify(heads) }).where('id', '=', cp.id).execute();
    expectBroken(await verify(), 'bot', BOT_LAST, new RegExp(`${cp.id}.*invalid signature`), null);
  });

  it("(f) a truncation hidden by lowering the newest checkpoint's head fails its signature", async () => {
    const prev = await row(t.store, 'bot', BOT_LAST - 1);
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', BOT_LAST).execute();
    const cp = await newestCheckpointNaming(t.store, 'bot');
    await t.store.db
      .updateTable('checkpoints')
      .set({ heads: JSON.stringify({ bot: { seq: BOT_LAST - 1, hash: prev.hash } }) })
      .where('id', '=', cp.id)
      .execute();
    // Reported at the position the altered checkpoint claims.
    expectBroken(await verify(), 'bot', BOT_LAST - 1, /invalid signature/, null);
  });

  it('(f) an altered signature (one bit, or garbage) is rejected', async () => {
    const cp = await newestCheckpointNaming(t.store, 'bot');
    const sig = Buffer.from(cp.signature, 'base64');
    expect(sig).toHaveLength(64);
    sig[10] = sig[10]! ^ 0x01;
    await t.store.db.updateTable('checkpoints').set({ signature: sig.toString('base64') }).where('id', '=', cp.id).execute();
    expectBroken(await verify(), 'bot', BOT_LAST, /invalid signature/, null);
    await t.store.db.updateTable('checkpoints').set({ signature: 'not-a-signature' }).where('id', '=', cp.id).execute();
    expectBroken(await verify(), 'bot', BOT_LAST, /invalid signature/, null);
  });

  it('(f) an altered older checkpoint is detected too', async () => {
    const cps = await t.store.db.selectFrom('checkpoints').selectAll().orderBy('id', 'asc').execute();
    const old = cps.find((c) => 'bot' in (JSON.parse(c.heads) as object))!;
    const heads = JSON.parse(old.heads) as Record<string, { seq: number; hash: string }>;
    expect(heads.bot!.seq).toBeLessThan(BOT_LAST);
    await t.store.db.updateTable('checkpoints').set({ signature: Buffer.alloc(64, 7).toString('base64') }).where('id', '=', old.id).execute();
    expectBroken(await verify(), 'bot', heads.bot!.seq, new RegExp(`${old.id}.*invalid signature`), null);
  });

  it('(f) deleting the newest checkpoint leaves the tail uncovered; deleting all leaves every chain uncovered', async () => {
    const cp = await newestCheckpointNaming(t.store, 'bot');
    await t.store.db.deleteFrom('checkpoints').where('id', '=', cp.id).execute();
    // The first entry after the last position a remaining checkpoint vouches for.
    const covered = Math.max(...(await t.store.db.selectFrom('checkpoints').select('heads').execute()).map((c) => (JSON.parse(c.heads) as Record<string, { seq: number }>).bot?.seq ?? 0));
    expect(covered).toBeGreaterThan(0);
    expect(covered).toBeLessThan(BOT_LAST);
    expectBroken(await verify(), 'bot', covered + 1, /not covered by any signed checkpoint/, null);
    await t.store.db.deleteFrom('checkpoints').execute();
    const none = await verify();
    expect(none.ok).toBe(false);
    expect(none.firstBroken).toMatchObject({ seq: 1, id: null });
    expect(none.firstBroken!.reason).toMatch(/no signed checkpoint|not covered/);
  });

  // ── (g) unhashed columns ────────────────────────────────────────────────────────────────────

  it('(g) a changed kind column is caught by comparing the columns with the hashed body', async () => {
    const r3 = await row(t.store, 'bot', 3);
    expect(r3.kind).toBe('action.executing');
    await t.store.db.updateTable('audit').set({ kind: 'action.blocked' }).where('id', '=', r3.id).execute();
    expectBroken(await verify(), 'bot', 3, /column|body/, r3.id);
  });

  it('(g) a changed action_id or ts column is caught the same way', async () => {
    const r2 = await row(t.store, 'bot', 2);
    const other = await row(t.store, 'bot', 5);
    expect(other.action_id).not.toBe(r2.action_id);
    await t.store.db.updateTable('audit').set({ action_id: other.action_id }).where('id', '=', r2.id).execute();
    expectBroken(await verify(), 'bot', 2, /column|body/, r2.id);
    await t.store.db.updateTable('audit').set({ action_id: null }).where('id', '=', r2.id).execute();
    expectBroken(await verify(), 'bot', 2, /column|body/, r2.id);
    await t.store.db.updateTable('audit').set({ action_id: r2.action_id }).where('id', '=', r2.id).execute();
    expect((await verify()).ok).toBe(true);
    await t.store.db.updateTable('audit').set({ ts: r2.ts + 1 }).where('id', '=', r2.id).execute();
    expectBroken(await verify(), 'bot', 2, /column|body|disagree/, r2.id);
  });

  it('(g) a changed prev_hash column is caught as a broken link', async () => {
    const r4 = await row(t.store, 'drafty', 4);
    await t.store.db.updateTable('audit').set({ prev_hash: 'f'.repeat(64) }).where('id', '=', r4.id).execute();
    expectBroken(await verify(), 'drafty', 4, /link/, r4.id);
  });

  // ── trust ───────────────────────────────────────────────────────────────────────────────────

  it('with no trusted keys it does not crash: heads are compared, and a warning says signatures were not authenticated', async () => {
    const r = await verifyEveryWay(t.store, null);
    expect(r.ok).toBe(true);
    expect(r.firstBroken).toBeNull();
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(r.warnings.join('\n')).toMatch(/not authenticated/);
    // Even unauthenticated, the heads still catch a truncation.
    await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', BOT_LAST).execute();
    expectBroken(await verifyEveryWay(t.store, null), 'bot', BOT_LAST, /tail deleted/, null);
  });

  // ── export ──────────────────────────────────────────────────────────────────────────────────

  describe('export', () => {
    const exportAll = () => collect(exportAudit(t.store, { exportedAt: Date.UTC(2026, 0, 2) }));

    it('an export verifies offline with the trusted key, entry for entry', async () => {
      const lines = await exportAll();
      const { header, entries, checkpoints } = parseExport(lines);
      expect(header).toEqual({ type: 'header', format: 'bridle-audit/1', exportedAt: '2026-01-02T00:00:00.000Z' });
      expect(entries).toHaveLength(1 + BOT_LAST + DRAFTY_LAST);
      const stored = await t.store.db.selectFrom('checkpoints').select('id').execute();
      expect(checkpoints).toHaveLength(stored.length);
      // Re-canonicalising the parsed entry gives back exactly the stored (hashed) body.
      const bodies = new Map((await t.store.db.selectFrom('audit').select(['id', 'body']).execute()).map((r) => [r.id, r.body]));
      for (const e of entries) expect(e.body).toBe(bodies.get(e.id));
      const r = await verifyChains(entries, checkpoints, trusted());
      expect(r).toMatchObject({ ok: true, entries: 1 + BOT_LAST + DRAFTY_LAST, chains: 3, warnings: [] });
      expect(r.checkpointsChecked).toBeGreaterThanOrEqual(3);
    });

    it('a changed line in the export is caught', async () => {
      const lines = await exportAll();
      const i = lines.findIndex((l) => l.includes('post number 3'));
      expect(i).toBeGreaterThan(0);
      const tampered = [...lines];
      tampered[i] = lines[i]!.replace('post number 3', 'post number 9');
      const { entries, checkpoints } = parseExport(tampered);
      const e = entries.find((x) => x.body.includes('post number 9'))!;
      expect(e.agentId).toBe('bot');
      expect(e.seq).toBe(9); // bot action 3's received entry
      expectBroken(await verifyChains(entries, checkpoints, trusted()), 'bot', 9, /modified|does not match its hash/, e.id);
    });

    it('a removed entry line, or an altered checkpoint line, in the export is caught', async () => {
      const lines = await exportAll();
      const drop = lines.findIndex((l) => l.includes('"type":"entry"') && l.includes('"agentId":"drafty"') && l.includes('"seq":3,'));
      expect(drop).toBeGreaterThan(0);
      const p1 = parseExport(lines.filter((_, j) => j !== drop));
      expectBroken(await verifyChains(p1.entries, p1.checkpoints, trusted()), 'drafty', 3, /entry 3 is missing/, null);

      const p2 = parseExport(lines);
      const newest = p2.checkpoints.find((c) => 'bot' in c.heads)!;
      newest.heads.bot!.seq = BOT_LAST + 1;
      expectBroken(await verifyChains(p2.entries, p2.checkpoints, trusted()), 'bot', BOT_LAST + 1, /invalid signature/, null);
    });

    it('an export of a tampered store does not verify either', async () => {
      await t.store.db.deleteFrom('audit').where('agent_id', '=', 'bot').where('seq', '=', 12).execute();
      const { entries, checkpoints } = parseExport(await exportAll());
      expectBroken(await verifyChains(entries, checkpoints, trusted()), 'bot', 12, /entry 12 is missing/, null);
    });

    it('a full export with a whole chain removed is caught', async () => {
      const lines = (await exportAll()).filter((l) => !(l.includes('"type":"entry"') && l.includes('"agentId":"drafty"')));
      const { entries, checkpoints } = parseExport(lines);
      expectBroken(await verifyChains(entries, checkpoints, trusted()), 'drafty', 1, /no entries.*deleted/, null);
    });

    it('a single-agent export carries the checkpoints naming that agent and verifies offline as partial', async () => {
      const lines = await collect(exportAudit(t.store, { exportedAt: 0, agentId: 'bot' }));
      const { header, entries, checkpoints } = parseExport(lines);
      expect(header.agentId).toBe('bot');
      expect(entries).toHaveLength(BOT_LAST);
      expect(entries.every((e) => e.agentId === 'bot')).toBe(true);
      expect(checkpoints.length).toBeGreaterThan(0);
      expect(checkpoints.every((c) => 'bot' in c.heads)).toBe(true);
      const r = await verifyChains(entries, checkpoints, trusted(), { partial: true });
      expect(r.firstBroken).toBeNull();
      expect(r).toMatchObject({ ok: true, entries: BOT_LAST, chains: 1 });
      // Partial or not, its own chain is held to its checkpoints: a dropped last line is caught.
      const cut = parseExport(lines.filter((l) => !(l.includes('"type":"entry"') && l.includes(`"seq":${BOT_LAST},`))));
      expect(cut.entries).toHaveLength(BOT_LAST - 1);
      expectBroken(await verifyChains(cut.entries, cut.checkpoints, trusted(), { partial: true }), 'bot', BOT_LAST, /tail deleted/, null);
    });
  });
});
