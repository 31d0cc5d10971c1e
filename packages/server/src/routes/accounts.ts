import { z } from 'zod';
import { BridleError, can, createOperator, createOperatorInput, createOperatorToken, listOperators, operatorNameSchema, removeOperator, type Bridle, type Operator } from '@bridle/core';
import { operatorName } from '../auth.js';
import { defineRoute, type RouteDef } from '../route.js';

const operatorSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['viewer', 'approver', 'admin']),
  groups: z.array(z.string()),
  email: z.string().nullable(),
  slackUserId: z.string().nullable(),
  createdAt: z.string().describe('ISO 8601'),
});
const view = (o: Operator) => ({ ...o, createdAt: new Date(o.createdAt).toISOString() });
const nameParam = z.object({ name: operatorNameSchema }).strict();
const tokenBody = z.object({ label: z.string().max(200).optional().describe('A note to recognise the token by, e.g. "laptop"') }).strict();

/**
 * Operator accounts over HTTP. The store is the source of truth (the CLI's `bridle users` writes
 * it directly); every change is also audited on the `_system` chain.
 */
export function accountRoutes(bridle: Bridle): RouteDef[] {
  const audit = (kind: string, by: string, data: Record<string, string | null>) => bridle.audit([{ ...bridle.entry('_system', null, kind, { type: 'operator', id: by }), data }]);
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/operators',
      summary: 'Operator accounts (admin only): name, role, groups and contact ids; never passwords or tokens.',
      tags: ['operators'],
      auth: 'admin',
      response: z.object({ items: z.array(operatorSchema) }),
      async handler() {
        return { items: (await listOperators(bridle.store)).map(({ disabledAt: _d, ...o }) => view(o)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/operators',
      summary: 'Create an operator account (admin only). Roles: viewer reads, approver also approves, admin does everything.',
      tags: ['operators'],
      auth: 'admin',
      body: createOperatorInput,
      response: operatorSchema,
      async handler({ body, principal, reply }) {
        const op = await createOperator(bridle.store, body);
        await audit('operator.created', operatorName(principal), { name: op.name, role: op.role });
        reply.code(201);
        return view(op);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/operators/:name',
      summary: 'Remove an operator (admin only): the account is disabled and all its tokens revoked at once.',
      tags: ['operators'],
      auth: 'admin',
      params: nameParam,
      response: operatorSchema,
      async handler({ params, principal }) {
        const op = await removeOperator(bridle.store, params.name);
        await audit('operator.removed', operatorName(principal), { name: op.name });
        return view(op);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/operators/:name/tokens',
      summary: 'Create an API token for an operator (admins for anyone, others for themselves). The token is returned once.',
      tags: ['operators'],
      auth: 'read',
      params: nameParam,
      body: tokenBody.optional(),
      response: z.object({ token: z.string(), prefix: z.string(), id: z.string(), label: z.string().nullable() }),
      async handler({ params, body, principal, reply }) {
        if (principal.kind === 'operator' && principal.operator.name !== params.name && !can(principal.operator, 'operate')) {
          throw new BridleError('BRIDLE_E_FORBIDDEN', 'Only an admin can create tokens for another operator');
        }
        const { token, prefix, info } = await createOperatorToken(bridle.store, params.name, body?.label);
        await audit('operator.token_created', operatorName(principal), { name: params.name, tokenId: info.id, prefix });
        reply.code(201);
        return { token, prefix, id: info.id, label: info.label };
      },
    }),
  ];
}
