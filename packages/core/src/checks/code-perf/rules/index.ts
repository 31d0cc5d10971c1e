import type { CodeRule } from '../../code/rule.js';
import { infiniteLoopRules } from './infinite-loop.js';
import { nestedLoopRules } from './nested-loop.js';
import { nPlusOneRules } from './n-plus-one.js';

/** Every code_perf rule, one file per family. */
export const PERF_RULES: readonly CodeRule[] = [...nPlusOneRules, ...nestedLoopRules, ...infiniteLoopRules];

/** The families, which are also the findings' categories. */
export const PERF_FAMILIES = ['n_plus_one', 'nested_loop', 'infinite_loop'] as const;
