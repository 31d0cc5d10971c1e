#!/usr/bin/env node
// Committed launcher: npm links workspace bins before `prepare` builds dist/, so the bin must
// point at a file that exists in the repository. It loads the compiled CLI.
import('../dist/bin.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
    process.stderr.write('error BRIDLE_E_CONFIG: the CLI is not built yet; run `npm run build` (npm ci does it for you)\n');
    process.exit(1);
  }
  throw e;
});
