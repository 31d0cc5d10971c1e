import { defineCheck } from '../types.js';
import { createCodeCheck } from '../code/check.js';
import { codeSecurityOptions } from './options.js';
import { SECURITY_RULES } from './rules/index.js';

export { SECURITY_FAMILIES, SECURITY_RULES } from './rules/index.js';

export { codeSecurityOptions } from './options.js';

/**
 * `code_security`: insecure patterns in AI-written JavaScript, TypeScript (and TSX) and Python,
 * found on the syntax tree with ast-grep: SQL built from input, XSS sinks, eval and dynamic
 * code, shell commands from input, unsafe deserialisation, weak crypto and predictable random
 * values for secrets, and hard-coded credentials. Each finding names its rule id and CWE,
 * points at the offending node and says what to write instead. The code is read from the
 * `code` param (see `fields`) and its language from the `lang` param, else guessed; code in an
 * unknown language passes with a reason saying it was not checked.
 *
 * @example
 *   checks:
 *     - code_security: { min_severity: medium, rules: { exclude: [js.eval.dynamic-require] } }
 */
export const codeSecurity = defineCheck({
  name: 'code_security',
  description: 'Finds insecure code (SQL injection, XSS, eval, shell injection, unsafe deserialisation, weak crypto, hard-coded secrets) in JavaScript, TypeScript and Python.',
  options: codeSecurityOptions,
  create(options) {
    return createCodeCheck('code_security', SECURITY_RULES, options, 'security issues');
  },
});
