import type { Bridle } from '@bridle/core';
import { operatorName } from '../auth.js';
import { defineRoute, type RouteDef } from '../route.js';
import { actionView, actionViewSchema, idParam } from '../schemas.js';

/** One approval as an approver sees it: the parameters and their hash, check findings with spans, rationale and cost. Opening it is audited. */
export function approvalViewRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/approvals/:id',
      summary: 'One action as an approver sees it (parameters, paramsHash, check findings with spans, rationale, estimated cost). Recorded as approval.viewed.',
      tags: ['approvals'],
      auth: 'read',
      params: idParam,
      response: actionViewSchema,
      async handler({ params, principal }) {
        return actionView(await bridle.viewApproval(params.id, operatorName(principal)));
      },
    }),
  ];
}
