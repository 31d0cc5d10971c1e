import { Readable } from 'node:stream';
import { z } from 'zod';
import { auditEntryWithVerification, BridleError, exportAuditWindow, type AuditItem, type Bridle } from '@bridle/core';
import { defineRoute, type RouteDef } from '../route.js';
import { idParam } from '../schemas.js';

/** An instant given as ISO 8601 or epoch milliseconds, as the dashboard's filters send it. */
export const instant = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const ms = /^\d{1,16}$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'use an ISO 8601 time (2026-01-05T10:00:00Z) or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  });

/** One audit entry as `GET /v1/audit` lists it. */
export function auditItemView(i: AuditItem) {
  return { id: i.id, agentId: i.agent_id, seq: Number(i.seq), actionId: i.action_id, kind: i.kind, ts: new Date(Number(i.ts)).toISOString(), hash: i.hash, prevHash: i.prev_hash, entry: i.entry };
}

const exportQuery = z.object({ agent: z.string().max(128).optional(), from: instant.optional(), to: instant.optional() }).strict();

/** One entry with its own verification, and the streamed JSON Lines export. Operators only (viewer and up). */
export function auditRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/audit/entries/:id',
      summary: 'One audit entry and a check of it: its hash recomputed from the stored body, and its link to the previous entry of its chain.',
      tags: ['audit'],
      auth: 'read',
      params: idParam,
      async handler({ params }) {
        const r = await auditEntryWithVerification(bridle.store, params.id);
        if (!r) throw new BridleError('BRIDLE_E_NOT_FOUND', `No audit entry ${params.id}`, { id: params.id });
        return { entry: auditItemView(r.item), verification: r.verification };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/audit/export',
      summary: 'Download the audit log as JSON Lines (application/x-ndjson), the format of `bridle audit export`, streamed; optionally one agent and a time window.',
      tags: ['audit'],
      auth: 'read',
      query: exportQuery,
      async handler({ query, reply }) {
        const at = bridle.clock.now();
        const name = `bridle-audit-${query.agent ?? 'all'}-${new Date(at).toISOString().replace(/[:.]/g, '-')}.jsonl`;
        const lines = exportAuditWindow(bridle.store, { agentId: query.agent, from: query.from, to: query.to, exportedAt: at });
        async function* body() {
          for await (const l of lines) yield `${l}\n`;
        }
        reply.header('content-type', 'application/x-ndjson; charset=utf-8');
        reply.header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`);
        reply.header('cache-control', 'no-store');
        return reply.send(Readable.from(body()));
      },
    }),
  ];
}
