import type { CodeRule } from '../../code/rule.js';
import { commandRules } from './command.js';
import { cryptoRules } from './crypto.js';
import { deserializationRules } from './deserialization.js';
import { evalRules } from './eval.js';
import { secretRules } from './secrets.js';
import { sqlRules } from './sql.js';
import { xssRules } from './xss.js';

/** Every code_security rule, one file per family. */
export const SECURITY_RULES: readonly CodeRule[] = [...sqlRules, ...xssRules, ...evalRules, ...commandRules, ...deserializationRules, ...cryptoRules, ...secretRules];

/** The families, which are also the findings' categories. */
export const SECURITY_FAMILIES = ['sql_injection', 'xss', 'code_injection_eval', 'command_injection', 'deserialization', 'weak_crypto', 'hardcoded_secret'] as const;
