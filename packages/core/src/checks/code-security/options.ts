import { codeCheckOptions } from '../code/options.js';
import { SECURITY_RULE_NAMES } from './ids.js';

export const codeSecurityOptions = codeCheckOptions(SECURITY_RULE_NAMES);
