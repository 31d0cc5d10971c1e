import type { Selectable } from 'kysely';
import type { z } from 'zod';
import { BridleError } from '../errors.js';
import type { OperatorsTable } from '../store/schema.js';
import type { Store } from '../store/open.js';
import { systemClock, ulidGenerator, type Clock } from '../util/clock.js';
import { checkPassword, dummyCheck, hashPassword } from './password.js';
import { createOperatorInput, updateOperatorInput, type CreateOperatorInput, type Operator, type OperatorRole, type UpdateOperatorInput } from './types.js';

type Row = Selectable<OperatorsTable>;

/** Zod issues as one BRIDLE_E_VALIDATION, naming each field, like the HTTP layer does. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new BridleError('BRIDLE_E_VALIDATION', `Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, { issues });
}

export function toOperator(r: Row): Operator {
  return { id: r.id, name: r.name, role: r.role as OperatorRole, groups: JSON.parse(r.groups) as string[], email: r.email, slackUserId: r.slack_user_id, createdAt: Number(r.created_at) };
}

const uniq = (xs: string[] | undefined) => [...new Set(xs ?? [])].sort();

/**
 * Creates an operator. Names are never reused, not even after removal, because audit entries
 * and decisions name operators: a new "alice" must not inherit the old one's history.
 *
 * @example
 *   await createOperator(store, { name: 'alice', role: 'approver', groups: ['finance'] });
 */
export async function createOperator(store: Store, input: CreateOperatorInput, clock: Clock = systemClock): Promise<Operator> {
  const v = parseOrThrow(createOperatorInput, input, 'operator');
  const existing = await store.db.selectFrom('operators').select(['disabled_at']).where('name', '=', v.name).executeTakeFirst();
  if (existing) throw taken(v.name, existing.disabled_at !== null);
  const row: Row = {
    id: ulidGenerator(clock).next('op'),
    name: v.name,
    role: v.role,
    groups: JSON.stringify(uniq(v.groups)),
    password_hash: v.password ? await hashPassword(v.password) : null,
    email: v.email ?? null,
    slack_user_id: v.slackUserId ?? null,
    created_at: clock.now(),
    disabled_at: null,
  };
  try {
    await store.db.insertInto('operators').values(row).execute();
  } catch (e) {
    // A concurrent create of the same name lost the race on the unique index.
    if (await store.db.selectFrom('operators').select('id').where('name', '=', v.name).executeTakeFirst()) throw taken(v.name, false);
    throw e;
  }
  return toOperator(row);
}

function taken(name: string, removed: boolean): BridleError {
  return new BridleError('BRIDLE_E_CONFLICT', removed ? `Operator "${name}" was removed; names are not reused so the audit log stays unambiguous. Pick another name.` : `Operator "${name}" already exists`, { name });
}

/** Active operators, oldest first. */
export async function listOperators(store: Store, opts: { includeRemoved?: boolean } = {}): Promise<(Operator & { disabledAt: number | null })[]> {
  let q = store.db.selectFrom('operators').selectAll().orderBy('created_at').orderBy('name');
  if (!opts.includeRemoved) q = q.where('disabled_at', 'is', null);
  return (await q.execute()).map((r) => ({ ...toOperator(r), disabledAt: r.disabled_at === null ? null : Number(r.disabled_at) }));
}

async function activeRow(store: Store, nameOrId: string): Promise<Row | undefined> {
  return store.db.selectFrom('operators').selectAll().where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)])).where('disabled_at', 'is', null).executeTakeFirst();
}

/** An active operator by name or id, or null (removed operators are not found). */
export async function getOperator(store: Store, nameOrId: string): Promise<Operator | null> {
  const r = await activeRow(store, nameOrId);
  return r ? toOperator(r) : null;
}

async function mustGet(store: Store, nameOrId: string): Promise<Row> {
  const r = await activeRow(store, nameOrId);
  if (!r) throw new BridleError('BRIDLE_E_NOT_FOUND', `No operator "${nameOrId}" (see bridle users list)`, { name: nameOrId });
  return r;
}

/** Changes role, groups, contact ids or password (null clears it). */
export async function updateOperator(store: Store, nameOrId: string, changes: UpdateOperatorInput): Promise<Operator> {
  const v = parseOrThrow(updateOperatorInput, changes, 'operator update');
  const row = await mustGet(store, nameOrId);
  const set: Partial<Row> = {};
  if (v.role !== undefined) set.role = v.role;
  if (v.groups !== undefined) set.groups = JSON.stringify(uniq(v.groups));
  if (v.email !== undefined) set.email = v.email;
  if (v.slackUserId !== undefined) set.slack_user_id = v.slackUserId;
  if (v.password !== undefined) set.password_hash = v.password === null ? null : await hashPassword(v.password);
  if (Object.keys(set).length > 0) await store.db.updateTable('operators').set(set).where('id', '=', row.id).execute();
  return toOperator({ ...row, ...set });
}

/** Soft removal: the row stays for the audit trail, every token of it stops working at once. */
export async function removeOperator(store: Store, nameOrId: string, clock: Clock = systemClock): Promise<Operator> {
  const row = await mustGet(store, nameOrId);
  const now = clock.now();
  await store.db.transaction().execute(async (tx) => {
    await tx.updateTable('operators').set({ disabled_at: now }).where('id', '=', row.id).execute();
    await tx.updateTable('operator_tokens').set({ revoked_at: now }).where('operator_id', '=', row.id).where('revoked_at', 'is', null).execute();
  });
  return toOperator(row);
}

/**
 * The operator if the password is right, else null. Unknown, removed and password-less
 * operators cost a dummy scrypt so response time does not reveal which names exist.
 */
export async function verifyPassword(store: Store, name: string, password: string): Promise<Operator | null> {
  const row = typeof name === 'string' && name.length <= 64 ? await activeRow(store, name) : undefined;
  if (!row?.password_hash || row.name !== name) {
    await dummyCheck(password);
    return null;
  }
  return (await checkPassword(password, row.password_hash)) ? toOperator(row) : null;
}

/** The active operator linked to a Slack user, for deciding approvals from Slack. */
export async function findOperatorBySlackUser(store: Store, slackUserId: string): Promise<Operator | null> {
  const r = await store.db.selectFrom('operators').selectAll().where('slack_user_id', '=', slackUserId).where('disabled_at', 'is', null).orderBy('created_at').executeTakeFirst();
  return r ? toOperator(r) : null;
}
