import { BridleError, createOperator, createOperatorToken, listOperators, openAdmin, removeOperator, type Actor, type OperatorRole } from '@bridle/core';
import { adminPolicy, openCliStore, type CommonOptions } from '../config.js';
import { emit, table } from '../output.js';

const actor: Actor = { type: 'operator', id: process.env.BRIDLE_OPERATOR ?? process.env.USER ?? 'cli' };

export interface UsersAddOptions extends CommonOptions {
  role: string;
  group?: string[];
  passwordStdin?: boolean;
  slackUser?: string;
  email?: string;
}

/** The whole of standard input, less one trailing newline: passwords never travel in argv. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new BridleError('BRIDLE_E_VALIDATION', '--password-stdin reads the password from standard input; pipe it in, e.g. `printf %s "$PW" | bridle users add …`');
  let s = '';
  for await (const chunk of process.stdin) s += String(chunk);
  return s.replace(/\r?\n$/, '');
}

/**
 * Works on the store directly, like `bridle keys`, and audits on the `_system` chain with the
 * same signing key as the server, so it can bootstrap the first admin before any server runs.
 */
async function withAdmin<T>(o: CommonOptions, fn: (admin: ReturnType<typeof openAdmin>) => Promise<T>): Promise<T> {
  const policy = adminPolicy(o);
  const store = await openCliStore(o);
  const admin = openAdmin(store, policy);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
    await store.close();
  }
}

export async function usersAdd(name: string, o: UsersAddOptions): Promise<void> {
  const password = o.passwordStdin ? await readStdin() : undefined;
  const op = await withAdmin(o, async (admin) => {
    const created = await createOperator(admin.store, {
      name,
      role: o.role as OperatorRole,
      ...(o.group?.length ? { groups: o.group } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.email ? { email: o.email } : {}),
      ...(o.slackUser ? { slackUserId: o.slackUser } : {}),
    });
    await admin.audit([{ ...admin.entry('_system', null, 'operator.created', actor), data: { name: created.name, role: created.role } }]);
    return created;
  });
  const view = { ...op, createdAt: new Date(op.createdAt).toISOString(), password: password !== undefined };
  emit(o.json, view, () => `Created ${op.role} ${op.name}${op.groups.length ? ` (groups: ${op.groups.join(', ')})` : ''}${password !== undefined ? ' with a password' : ''}. Give them a token with: bridle users token ${op.name}`);
}

export async function usersList(o: CommonOptions & { all?: boolean }): Promise<void> {
  const store = await openCliStore(o);
  try {
    const ops = (await listOperators(store, { includeRemoved: o.all === true })).map((x) => ({ ...x, createdAt: new Date(x.createdAt).toISOString(), disabledAt: x.disabledAt === null ? null : new Date(x.disabledAt).toISOString() }));
    emit(o.json, ops, () =>
      ops.length === 0
        ? 'No operators. Add one with: bridle users add NAME --role approver'
        : table([['NAME', 'ROLE', 'GROUPS', 'EMAIL', 'SLACK', 'CREATED', 'STATUS'], ...ops.map((x) => [x.name, x.role, x.groups.join(','), x.email ?? '', x.slackUserId ?? '', x.createdAt, x.disabledAt ? 'removed' : 'active'])]),
    );
  } finally {
    await store.close();
  }
}

export async function usersRemove(name: string, o: CommonOptions): Promise<void> {
  const op = await withAdmin(o, async (admin) => {
    const removed = await removeOperator(admin.store, name);
    await admin.audit([{ ...admin.entry('_system', null, 'operator.removed', actor), data: { name: removed.name } }]);
    return removed;
  });
  emit(o.json, { name: op.name, removed: true }, () => `Removed ${op.name}; every token of theirs stopped working.`);
}

export async function usersToken(name: string, o: CommonOptions & { label?: string }): Promise<void> {
  const r = await withAdmin(o, async (admin) => {
    const t = await createOperatorToken(admin.store, name, o.label);
    await admin.audit([{ ...admin.entry('_system', null, 'operator.token_created', actor), data: { name, tokenId: t.info.id, prefix: t.prefix } }]);
    return t;
  });
  emit(o.json, { token: r.token, prefix: r.prefix, id: r.info.id, operator: name, label: r.info.label }, () => `Created token ${r.info.id} for ${name}.\n\n  ${r.token}\n\nStore it now: Bridle keeps only its hash and cannot show it again.`);
}
