export { buildServer, type ServerOptions } from './app.js';
export { openApiDocument } from './openapi.js';
export { slackConfigFromEnv, type SlackConfig } from './slack/bridge.js';
export * from './observability/index.js';
