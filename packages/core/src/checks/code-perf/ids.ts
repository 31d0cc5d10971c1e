import type { RuleName } from '../code/options.js';

/**
 * Every rule's id and family, written out so that validating a policy does not load ast-grep and
 * the rules (the check loads them only when a policy uses it). A test keeps this list in step.
 */
export const PERF_RULE_NAMES: readonly RuleName[] = [
  { id: 'js.perf.query-in-loop', family: 'n_plus_one' },
  { id: 'py.perf.query-in-loop', family: 'n_plus_one' },
  { id: 'js.perf.nested-loop', family: 'nested_loop' },
  { id: 'js.perf.search-in-loop', family: 'nested_loop' },
  { id: 'py.perf.nested-loop', family: 'nested_loop' },
  { id: 'py.perf.search-in-loop', family: 'nested_loop' },
  { id: 'js.perf.no-exit-loop', family: 'infinite_loop' },
  { id: 'py.perf.no-exit-loop', family: 'infinite_loop' },
];
