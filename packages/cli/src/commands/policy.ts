import { isBridleError, type PolicyIssue } from '@bridle/core';
import { loadPolicy } from '../config.js';
import { emit } from '../output.js';

/** `bridle policy check FILE`: exit 0 and the version when valid; every issue with its position otherwise. */
export function policyCheck(file: string, o: { json?: boolean }): void {
  try {
    const p = loadPolicy(file);
    const d = p.document;
    emit(o.json, { ok: true, file, version: p.version, agents: Object.keys(d.agents), actions: Object.keys(d.actions) }, () =>
      `✔ ${file} is valid (version ${p.version}): ${Object.keys(d.agents).length} agents, ${Object.keys(d.actions).length} action types`,
    );
  } catch (e) {
    if (!isBridleError(e) || !Array.isArray(e.details?.issues)) throw e;
    const issues = e.details.issues as PolicyIssue[];
    emit(o.json, { ok: false, file, issues }, () => [`✖ ${file} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:`, ...issues.map((i) => `  ${i.file}:${i.line}:${i.column}  ${i.path || '(root)'}: ${i.message}${i.hint ? `\n      hint: ${i.hint}` : ''}`)].join('\n'));
    process.exit(1);
  }
}
