/** Kept apart from rule.ts so option schemas can name severities without loading ast-grep. */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];
