import { z } from 'zod';
import { BridleError } from '../../errors.js';
import type { JsonObject } from '../../json.js';
import { ConnectorError, defineConnector, type Connector, type PublishedRequest } from '../types.js';

const connectorName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'a connector name');

export const socialOptions = z
  .object({
    /** Which connector publishes for each `params.platform`, e.g. `{ x: x-main, linkedin: outbox }`. */
    platforms: z.record(z.string().min(1).max(40), connectorName).refine((p) => Object.keys(p).length > 0, 'name at least one platform'),
    /** Where a platform not listed goes; absent, such an action fails (it is never published somewhere unexpected). */
    otherwise: connectorName.optional(),
  })
  .strict();

/** The platform an action or its result names. */
function platformOf(params: JsonObject): string | null {
  return typeof params.platform === 'string' ? params.platform.toLowerCase() : null;
}

/**
 * `social`: one action type (`social.post`) for every platform, routed by `params.platform` to
 * that platform's connector, so a policy can send X live while LinkedIn stays in the outbox.
 * Undo and engagement go to the connector that published.
 *
 * @example
 *   connectors:
 *     x-main: { kind: x, access_token_env: X_ACCESS_TOKEN }
 *     social: { kind: social, platforms: { x: x-main }, otherwise: outbox }
 *   actions:
 *     social.post: { connector: social }
 */
export const social = defineConnector({
  name: 'social',
  description: 'Routes social.post actions to the connector configured for params.platform.',
  options: socialOptions,
  create(options, ctx) {
    const pick = (name: string): Connector => {
      const c = ctx.connectors?.get(name);
      if (!c) throw new BridleError('BRIDLE_E_CONFIG', `social connector: "${name}" is not a connector (define it under connectors:, or use outbox)`);
      return c;
    };
    const routes = new Map(Object.entries(options.platforms).map(([p, name]) => [p.toLowerCase(), pick(name)]));
    const otherwise = options.otherwise ? pick(options.otherwise) : null;
    const route = (params: JsonObject): Connector => {
      const p = platformOf(params);
      const c = (p && routes.get(p)) ?? otherwise;
      if (!c) throw new ConnectorError('social', 'invalid', `no connector for platform ${p === null ? '(params.platform missing)' : `"${p}"`}; configured: ${[...routes.keys()].join(', ')}`);
      return c;
    };
    const transactional = [...routes.values(), ...(otherwise ? [otherwise] : [])].every((c) => c.transactional === true);
    return {
      name: 'social',
      // Only when every route is the outbox can its writes join the decision's commit.
      transactional,
      execute: (req, c) => route(req.params).execute(req, c),
      async undo(req: PublishedRequest, c) {
        const target = route(req.params);
        if (!target.undo) throw new ConnectorError('social', 'invalid', `the ${target.name} connector cannot undo a post (the platform offers no deletion)`);
        return target.undo(req, c);
      },
      async engagement(req: PublishedRequest, c) {
        const target = route(req.params);
        return target.engagement ? target.engagement(req, c) : null;
      },
    };
  },
});
