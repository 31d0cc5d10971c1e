import { z } from 'zod';
import type { Bridle } from '@bridle/core';
import { operatorName } from '../auth.js';
import { defineRoute, type RouteDef } from '../route.js';
import { idParam } from '../schemas.js';

const modeBody = z
  .object({
    mode: z.enum(['draft', 'auto']).describe('draft: a human approves every action; auto: approval only where the rules say'),
    reason: z.string().max(2000).optional(),
  })
  .strict();

/** Switching an agent between draft and auto at run time; the switch is audited and persists. */
export function modeRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:id/mode',
      summary: 'Switch an agent to draft (every action waits for a human) or auto (only where approval rules say), at once.',
      tags: ['agents'],
      auth: 'operate',
      params: idParam,
      body: modeBody,
      async handler({ params, body, principal }) {
        const mode = await bridle.setMode(params.id, body.mode, { actor: { type: 'operator', id: operatorName(principal) }, reason: body.reason });
        return { id: params.id, mode };
      },
    }),
  ];
}
