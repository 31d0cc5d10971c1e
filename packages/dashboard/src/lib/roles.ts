import type { Role } from '../api/types';

/** What the UI lets an operator try; the API enforces the same rule (docs/api.md, Roles). */
export type Permission = 'read' | 'approve' | 'operate';

const RANK: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };
const NEEDS: Record<Permission, number> = { read: 0, approve: 1, operate: 2 };

export function can(role: Role | undefined, what: Permission): boolean {
  return role !== undefined && RANK[role] >= NEEDS[what];
}
