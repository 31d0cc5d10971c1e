export { buildServer, type ServerOptions } from './app.js';
export { openApiDocument } from './openapi.js';
