export { CODE_LANGUAGES, detectLang, normalizeLang, type CodeLanguage, type Grammar } from './lang.js';
export { parseCode } from './parse.js';
export { SEVERITIES, runRules, type CodeRule, type CodeHit, type RuleInfo, type Severity } from './rule.js';
export { codeCheckOptions, selectRules, type CodeCheckOptions } from './options.js';
export { createCodeCheck, spanOf, lineOf, MAX_FINDINGS } from './check.js';
