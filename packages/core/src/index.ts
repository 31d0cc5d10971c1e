/**
 * @bridle/core — the pipeline, policy, checks, guards, audit and store. No HTTP here.
 */
export * from './errors.js';
export * from './json.js';
export * from './util/clock.js';
export * from './util/money.js';
export * from './util/retry-after.js';
export * from './checks/types.js';
export { checkRegistry, checkKinds, loadChecks, createCheck, type CheckKind, type RegisteredCheck } from './checks/registry.js';
export * from './connectors/types.js';
export { connectorRegistry, builtInConnectors, type ConnectorKind } from './connectors/registry.js';
export { connectorItem, type ConnectorSpec } from './connectors/config.js';
export * from './policy/load.js';
export * from './policy/schema.js';
export * from './policy/gateway.js';
export * from './policy/compile.js';
export * from './store/open.js';
export type * from './store/schema.js';
export { GroupCommitWriter, type WriteSet } from './store/writer.js';
export * from './audit/entry.js';
export * from './audit/signer.js';
export * from './audit/verify.js';
export * from './audit/store.js';
export * from './pipeline/lifecycle.js';
export * from './pipeline/types.js';
export * from './pipeline/context.js';
export * from './pipeline/stages.js';
export { runChecks } from './pipeline/run-checks.js';
export * from './pipeline/engine.js';
export * from './keys.js';
export * from './admin.js';
export * from './operators/index.js';
export { fromRow, toRow } from './pipeline/records.js';
export * from './checks/scan.js';
export * from './checks/fields.js';
export * from './alerts/index.js';
export * from './guards/anomaly/index.js';
export * from './stats/index.js';
