import { z } from 'zod';

/** Roles, weakest first: each includes what the ones before it may do. */
export const OPERATOR_ROLES = ['viewer', 'approver', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** What a route or command needs: read listings, decide approvals, or operate Bridle itself. */
export type OperatorPermission = 'read' | 'approve' | 'operate';

/** A person who reads, approves or operates. Never carries the password hash. */
export interface Operator {
  id: string;
  name: string;
  role: OperatorRole;
  groups: string[];
  email: string | null;
  slackUserId: string | null;
  createdAt: number;
}

const RANK: Record<OperatorRole, number> = { viewer: 0, approver: 1, admin: 2 };
const NEEDS: Record<OperatorPermission, number> = { read: 0, approve: 1, operate: 2 };

/**
 * Whether an operator may do something: viewers read, approvers also approve, admins do
 * everything else too (kill switches, policy, keys, users).
 *
 * @example
 *   if (!can(op, 'approve')) throw new BridleError('BRIDLE_E_FORBIDDEN', '…');
 */
export function can(op: Pick<Operator, 'role'>, what: OperatorPermission): boolean {
  return RANK[op.role] >= NEEDS[what];
}

/** Names and groups: lower case, safe in a URL path, a CLI argument and an audit actor id. */
export const operatorNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/, 'use lower-case letters, digits, ".", "_", "@" and "-", starting with a letter or digit (max 64)');
export const operatorRoleSchema = z.enum(OPERATOR_ROLES, { error: 'role must be viewer, approver or admin' });
export const operatorPasswordSchema = z.string().min(12, 'passwords need at least 12 characters').max(1024, 'passwords may have at most 1024 characters');
const slackSchema = z.string().regex(/^[A-Z0-9]{2,32}$/, 'a Slack user id looks like U0123ABCD');
const emailSchema = z.string().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'not an email address');

export const createOperatorInput = z
  .object({
    name: operatorNameSchema,
    role: operatorRoleSchema,
    groups: z.array(operatorNameSchema).max(64).optional(),
    password: operatorPasswordSchema.optional(),
    email: emailSchema.optional(),
    slackUserId: slackSchema.optional(),
  })
  .strict();
export type CreateOperatorInput = z.input<typeof createOperatorInput>;

export const updateOperatorInput = z
  .object({
    role: operatorRoleSchema.optional(),
    groups: z.array(operatorNameSchema).max(64).optional(),
    /** null clears it (token-only operator). */
    password: operatorPasswordSchema.nullable().optional(),
    email: emailSchema.nullable().optional(),
    slackUserId: slackSchema.nullable().optional(),
  })
  .strict();
export type UpdateOperatorInput = z.input<typeof updateOperatorInput>;
