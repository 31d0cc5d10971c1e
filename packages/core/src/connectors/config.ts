import { z } from 'zod';
import { closest } from '../util/suggest.js';
import { connectorRegistry, type ConnectorKind } from './registry.js';

export interface ConnectorSpec {
  kind: ConnectorKind;
  options: unknown;
}

const kinds = () => Object.keys(connectorRegistry) as ConnectorKind[];

/**
 * One entry under `connectors:`: `{ kind: <kind>, …that kind's options }`. Parsed by hand, like
 * checks, so an error names the kind and the exact option rather than a union's alternatives.
 *
 * @example
 *   connectors:
 *     x-main: { kind: x, access_token_env: X_ACCESS_TOKEN }
 */
export const connectorItem = z.unknown().transform((raw, ctx): ConnectorSpec => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: `a connector is a mapping with a kind (one of: ${kinds().join(', ')}) and that kind's options` });
    return z.NEVER;
  }
  const { kind, ...rest } = raw as Record<string, unknown>;
  if (typeof kind !== 'string' || !(kind in connectorRegistry)) {
    const hint = typeof kind === 'string' ? closest(kind, kinds()) : undefined;
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `${kind === undefined ? 'missing kind' : `unknown connector kind "${String(kind)}"`}${hint ? `; did you mean "${hint}"?` : ''} (known: ${kinds().join(', ')})` });
    return z.NEVER;
  }
  const parsed = connectorRegistry[kind as ConnectorKind].options.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as never);
    return z.NEVER;
  }
  return { kind: kind as ConnectorKind, options: parsed.data };
});
