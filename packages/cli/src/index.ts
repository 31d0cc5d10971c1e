export { program } from './main.js';
export { startServer, type Running } from './serve.js';
export { DEMO_POLICY, DEMO_STREAM } from './demo.js';
