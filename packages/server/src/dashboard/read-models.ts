import { z } from 'zod';
import { outboxPage, overviewSeries, performance, recentAlerts, spendByScope, type Bridle } from '@bridle/core';
import { defineRoute, type RouteDef } from '../route.js';

const iso = (ms: number) => new Date(ms).toISOString();

const overviewQuery = z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) }).strict();
const alertsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();
const outboxQuery = z
  .object({
    after: z.string().max(64).optional().describe('Cursor: the `next` value of the previous page'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    agent: z.string().max(128).optional(),
  })
  .strict();

const performanceQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(90).default(7),
    by: z.enum(['platform', 'campaign']).default('platform'),
    type: z.string().max(128).optional().describe('Only this action type, e.g. social.post'),
  })
  .strict();

/** The dashboard's read models: overview charts, alerts, outbox. Viewer and up. */
export function readModelRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/stats/overview',
      summary: 'Spend per budget scope today and this month against caps, and per-minute actions, blocks, errors, approvals and spend for the last `minutes`.',
      tags: ['dashboard'],
      auth: 'read',
      query: overviewQuery,
      async handler({ query }) {
        const now = bridle.clock.now();
        const [spend, s] = await Promise.all([spendByScope(bridle.store, bridle.policy, now), overviewSeries(bridle.store, now, query.minutes)]);
        return { now: iso(now), spend, series: { bucketMs: s.bucketMs, points: s.points }, totals: s.totals };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/alerts',
      summary: 'Recent alerts, newest first, one per alert with its delivery status over its channels.',
      tags: ['dashboard'],
      auth: 'read',
      query: alertsQuery,
      async handler({ query }) {
        return { items: (await recentAlerts(bridle.store, { limit: query.limit })).map((a) => ({ ...a, createdAt: iso(a.createdAt) })) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/outbox',
      summary: 'What the outbox sandbox recorded instead of publishing, newest first, keyset-paginated.',
      tags: ['dashboard'],
      auth: 'read',
      query: outboxQuery,
      async handler({ query }) {
        const r = await outboxPage(bridle.store, { agentId: query.agent, after: query.after, limit: query.limit });
        return { items: r.items.map((i) => ({ ...i, createdAt: iso(i.createdAt) })), next: r.next };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/stats/performance',
      summary: 'Per platform or campaign over the last `days`: actions, published, undone, blocked, failed, human approval rate, and the engagement connectors reported.',
      tags: ['dashboard'],
      auth: 'read',
      query: performanceQuery,
      async handler({ query }) {
        const since = bridle.clock.now() - query.days * 86_400_000;
        return { since: iso(since), by: query.by, items: await performance(bridle.store, { since, by: query.by, ...(query.type ? { type: query.type } : {}) }) };
      },
    }),
  ];
}
