/**
 * Read models for the dashboard (overview series, spend per budget scope, audit filters, the
 * outbox and alert feeds) and its browser sessions. Every query here is an index seek or a
 * bounded range scan, so the dashboard stays fast on large stores.
 */
export * from './overview.js';
export * from './spend.js';
export * from './audit-query.js';
export * from './feeds.js';
export * from './sessions.js';
export * from './performance.js';
