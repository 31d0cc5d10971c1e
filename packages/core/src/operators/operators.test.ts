import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '../errors.js';
import { hashKey } from '../keys.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { manualClock } from '../util/clock.js';
import {
  authenticateOperatorToken,
  can,
  checkPassword,
  createOperator,
  createOperatorToken,
  findOperatorBySlackUser,
  getOperator,
  hashPassword,
  listOperators,
  listOperatorTokens,
  removeOperator,
  revokeOperatorToken,
  setScryptParams,
  updateOperator,
  verifyPassword,
} from './index.js';

// Cheap parameters keep the suite fast; the format and the checks are the same.
beforeAll(() => setScryptParams({ N: 1024, r: 8, p: 1 }));
afterAll(() => setScryptParams(null));

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e instanceof BridleError ? e.code : `not a BridleError: ${String(e)}`;
  }
  return 'resolved';
};

describe('roles', () => {
  it.each([
    ['viewer', [true, false, false]],
    ['approver', [true, true, false]],
    ['admin', [true, true, true]],
  ] as const)('%s may read/approve/operate: %j', (role, want) => {
    expect((['read', 'approve', 'operate'] as const).map((w) => can({ role }, w))).toEqual(want);
  });
});

describe('password hashes', () => {
  it('stores scrypt$N$r$p$salt$hash with a fresh salt each time and checks it', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await checkPassword('correct horse battery', a)).toBe(true);
    expect(await checkPassword('correct horse batterz', a)).toBe(false);
  });

  it('keeps verifying old hashes after the cost parameters change', async () => {
    const old = await hashPassword('a long enough password');
    setScryptParams({ N: 2048, r: 8, p: 1 });
    try {
      expect(await hashPassword('x'.repeat(12))).toMatch(/^scrypt\$2048\$/);
      expect(await checkPassword('a long enough password', old)).toBe(true);
    } finally {
      setScryptParams({ N: 1024, r: 8, p: 1 });
    }
  });

  it.each(['', 'bcrypt$x', 'scrypt$1024$8$1$c2FsdA', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'scrypt$4294967296$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'])('never matches a malformed or abusive hash %j', async (stored) => {
    expect(await checkPassword('whatever password', stored)).toBe(false);
  });
});

describe.each(dialects)('operators on %s', (dialect) => {
  let t: TestStore;
  const clock = manualClock();
  beforeEach(async () => {
    t = await testStore(dialect);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('creates, gets, lists and updates operators; never returns the password hash', async () => {
    const alice = await createOperator(t.store, { name: 'alice', role: 'approver', groups: ['legal', 'finance', 'finance'], password: 'alice-password-1', email: 'alice@example.com', slackUserId: 'U0ALICE' }, clock);
    expect(alice).toMatchObject({ name: 'alice', role: 'approver', groups: ['finance', 'legal'], email: 'alice@example.com', slackUserId: 'U0ALICE', createdAt: clock.now() });
    expect(alice.id).toMatch(/^op_/);
    expect(Object.keys(alice)).not.toContain('passwordHash');
    await createOperator(t.store, { name: 'bob.ops', role: 'viewer' }, clock);
    expect(await getOperator(t.store, 'alice')).toEqual(alice);
    expect(await getOperator(t.store, alice.id)).toEqual(alice);
    expect(await getOperator(t.store, 'carol')).toBeNull();
    expect((await listOperators(t.store)).map((o) => o.name)).toEqual(['alice', 'bob.ops']);
    const row = await t.store.db.selectFrom('operators').select('password_hash').where('name', '=', 'alice').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('alice-password-1');

    const up = await updateOperator(t.store, 'bob.ops', { role: 'admin', groups: ['ops'], slackUserId: 'U0BOB', password: 'bob-password-123' });
    expect(up).toMatchObject({ role: 'admin', groups: ['ops'], slackUserId: 'U0BOB' });
    expect(await getOperator(t.store, 'bob.ops')).toEqual(up);
    expect(await verifyPassword(t.store, 'bob.ops', 'bob-password-123')).toMatchObject({ name: 'bob.ops' });
    await updateOperator(t.store, 'bob.ops', { password: null });
    expect(await verifyPassword(t.store, 'bob.ops', 'bob-password-123')).toBeNull();
    expect(await findOperatorBySlackUser(t.store, 'U0ALICE')).toMatchObject({ name: 'alice' });
    expect(await findOperatorBySlackUser(t.store, 'U0NOBODY')).toBeNull();
  });

  it.each([
    ['an upper-case name', { name: 'Alice', role: 'viewer' }],
    ['a name starting with a dot', { name: '.alice', role: 'viewer' }],
    ['a 65-character name', { name: 'a'.repeat(65), role: 'viewer' }],
    ['an unknown role', { name: 'alice', role: 'owner' }],
    ['a bad group', { name: 'alice', role: 'viewer', groups: ['Finance Team'] }],
    ['a short password', { name: 'alice', role: 'viewer', password: 'short' }],
    ['an unknown field', { name: 'alice', role: 'viewer', superuser: true }],
  ])('refuses %s with BRIDLE_E_VALIDATION', async (_n, input) => {
    expect(await codeOf(createOperator(t.store, input as never))).toBe('BRIDLE_E_VALIDATION');
    expect(await listOperators(t.store)).toEqual([]);
  });

  it('refuses duplicate names, even of a removed operator', async () => {
    await createOperator(t.store, { name: 'alice', role: 'viewer' });
    expect(await codeOf(createOperator(t.store, { name: 'alice', role: 'admin' }))).toBe('BRIDLE_E_CONFLICT');
    await removeOperator(t.store, 'alice');
    expect(await codeOf(createOperator(t.store, { name: 'alice', role: 'admin' }))).toBe('BRIDLE_E_CONFLICT');
    expect(await codeOf(updateOperator(t.store, 'nobody', { role: 'admin' }))).toBe('BRIDLE_E_NOT_FOUND');
    expect(await codeOf(removeOperator(t.store, 'alice'))).toBe('BRIDLE_E_NOT_FOUND');
  });

  it('verifies passwords and answers null alike for wrong passwords, unknown and removed names', async () => {
    await createOperator(t.store, { name: 'alice', role: 'approver', password: 'alice-password-1' });
    await createOperator(t.store, { name: 'tokenonly', role: 'viewer' });
    expect(await verifyPassword(t.store, 'alice', 'alice-password-1')).toMatchObject({ name: 'alice', role: 'approver' });
    expect(await verifyPassword(t.store, 'alice', 'alice-password-2')).toBeNull();
    expect(await verifyPassword(t.store, 'mallory', 'alice-password-1')).toBeNull();
    expect(await verifyPassword(t.store, 'tokenonly', '')).toBeNull();
    await removeOperator(t.store, 'alice');
    expect(await verifyPassword(t.store, 'alice', 'alice-password-1')).toBeNull();
  });

  it('issues bro_ tokens shown once, stores only their sha256, and authenticates them', async () => {
    const alice = await createOperator(t.store, { name: 'alice', role: 'approver', groups: ['finance'] });
    const { token, prefix, info } = await createOperatorToken(t.store, 'alice', 'laptop', clock);
    expect(token).toMatch(/^bro_[\w-]{43}$/);
    expect(prefix).toBe(token.slice(0, 10));
    const rows = await t.store.db.selectFrom('operator_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(hashKey(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await authenticateOperatorToken(t.store, token, clock)).toEqual(alice);
    expect(await authenticateOperatorToken(t.store, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), clock)).toBeNull();
    expect(await authenticateOperatorToken(t.store, 'brk_agentkeyshape', clock)).toBeNull();
    expect((await listOperatorTokens(t.store, 'alice')).map((x) => [x.id, x.label])).toEqual([[info.id, 'laptop']]);
    expect(await codeOf(createOperatorToken(t.store, 'nobody'))).toBe('BRIDLE_E_NOT_FOUND');
  });

  it('touches last_used_at at most once a minute', async () => {
    await createOperator(t.store, { name: 'alice', role: 'viewer' });
    const { token } = await createOperatorToken(t.store, 'alice', undefined, clock);
    const used = async () => (await listOperatorTokens(t.store, 'alice'))[0]!.lastUsedAt;
    expect(await used()).toBeNull();
    const t0 = clock.now();
    await authenticateOperatorToken(t.store, token, clock);
    expect(await used()).toBe(t0);
    clock.advance(59_000);
    await authenticateOperatorToken(t.store, token, clock);
    expect(await used()).toBe(t0);
    clock.advance(1_000);
    await authenticateOperatorToken(t.store, token, clock);
    expect(await used()).toBe(t0 + 60_000);
  });

  it('revoking a token, or removing its operator, stops it at once', async () => {
    await createOperator(t.store, { name: 'alice', role: 'admin' });
    const a = await createOperatorToken(t.store, 'alice');
    const b = await createOperatorToken(t.store, 'alice');
    expect((await revokeOperatorToken(t.store, a.prefix, clock)).revokedAt).toBe(clock.now());
    expect(await authenticateOperatorToken(t.store, a.token)).toBeNull();
    expect(await authenticateOperatorToken(t.store, b.token)).toMatchObject({ name: 'alice' });
    expect(await codeOf(revokeOperatorToken(t.store, 'bro_nope'))).toBe('BRIDLE_E_NOT_FOUND');
    await removeOperator(t.store, 'alice', clock);
    expect(await authenticateOperatorToken(t.store, b.token)).toBeNull();
    expect((await listOperatorTokens(t.store, 'alice')).every((x) => x.revokedAt !== null)).toBe(true);
    expect(await getOperator(t.store, 'alice')).toBeNull();
    expect((await listOperators(t.store, { includeRemoved: true }))[0]).toMatchObject({ name: 'alice', disabledAt: clock.now() });
    expect(await codeOf(createOperatorToken(t.store, 'alice'))).toBe('BRIDLE_E_NOT_FOUND');
  });
});
