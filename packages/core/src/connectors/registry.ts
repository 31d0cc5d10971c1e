import type { ConnectorDefinition } from './types.js';
import { outbox } from './outbox/index.js';

/** Built-in connector kinds, by the name used in `connector:`. */
export const connectorRegistry = {
  outbox,
} as const satisfies Record<string, ConnectorDefinition>;
