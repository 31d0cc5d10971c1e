import type { ConnectorDefinition } from './types.js';
import { outbox } from './outbox/index.js';
import { social } from './social/index.js';
import { x } from './x/index.js';
import { linkedin } from './linkedin/index.js';
import { reddit } from './reddit/index.js';
import { instagram } from './instagram/index.js';
import { tiktok } from './tiktok/index.js';

/** Connector kinds: built in by name (`connector: outbox`), or configured under `connectors:` with `kind:`. */
export const connectorRegistry = {
  outbox,
  social,
  x,
  linkedin,
  reddit,
  instagram,
  tiktok,
} as const satisfies Record<string, ConnectorDefinition>;

export type ConnectorKind = keyof typeof connectorRegistry;

/** Connectors usable by name without configuration (`connector: outbox`). */
export const builtInConnectors = ['outbox'] as const;
