#!/usr/bin/env node
// Committed launcher: workspace bins are linked before the build creates dist/, so the bin points
// at a file that always exists and loads the compiled agent from there.
import('../dist/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/main.js')) {
      process.stderr.write('error BRIDLE_E_CONFIG: the growth agent is not built yet; run `npm run build` at the repository root\n');
      process.exit(1);
    }
    throw e;
  });
