import { codeCheckOptions } from '../code/options.js';
import { PERF_RULE_NAMES } from './ids.js';

export const codePerfOptions = codeCheckOptions(PERF_RULE_NAMES);
