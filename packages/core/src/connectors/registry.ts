import type { ConnectorDefinition } from './types.js';
import { outbox } from './outbox/index.js';
import { social } from './social/index.js';

/** Connector kinds: built in by name (`connector: outbox`), or configured under `connectors:` with `kind:`. */
export const connectorRegistry = {
  outbox,
  social,
} as const satisfies Record<string, ConnectorDefinition>;

export type ConnectorKind = keyof typeof connectorRegistry;

/** Connectors usable by name without configuration (`connector: outbox`). */
export const builtInConnectors = ['outbox'] as const;
