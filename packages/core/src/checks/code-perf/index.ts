import { defineCheck } from '../types.js';
import { createCodeCheck } from '../code/check.js';
import { codePerfOptions } from './options.js';
import { PERF_RULES } from './rules/index.js';

export { PERF_FAMILIES, PERF_RULES } from './rules/index.js';

export { codePerfOptions } from './options.js';

/**
 * `code_perf`: performance smells in AI-written JavaScript, TypeScript and Python: a query or
 * HTTP request per loop iteration (N+1), a loop (or linear search) over a collection nested in
 * a loop over the same collection, and endless loops with no way out. Calls run together with
 * Promise.all / asyncio.gather are not N+1, and neither are loops whose call does not depend on
 * the element (retries, polling, cursor pagination).
 *
 * @example
 *   checks:
 *     - code_perf: { rules: { exclude: [nested_loop] }, on_fail: require_approval }
 */
export const codePerf = defineCheck({
  name: 'code_perf',
  description: 'Finds N+1 queries, quadratic loops over one collection and loops with no exit in JavaScript, TypeScript and Python.',
  options: codePerfOptions,
  create(options) {
    return createCodeCheck('code_perf', PERF_RULES, options, 'performance smells');
  },
});
