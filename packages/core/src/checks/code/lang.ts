/**
 * Which language a piece of code is in. `lang` comes from the action's `lang` parameter when the
 * agent sends one (aliases and file extensions are accepted); otherwise it is guessed from the
 * content, and a guess needs real evidence, so prose stays `undefined` and code checks pass it.
 */
export const CODE_LANGUAGES = ['javascript', 'typescript', 'python'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/** The grammar a text is parsed with: TypeScript with JSX needs the TSX grammar. */
export type Grammar = 'javascript' | 'typescript' | 'tsx' | 'python';

const ALIASES: Record<string, Grammar> = {
  javascript: 'javascript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  ecmascript: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  python: 'python',
  python3: 'python',
  py: 'python',
  py3: 'python',
};

/** The language family a grammar belongs to, as named in options and rules. */
export function languageOf(g: Grammar): CodeLanguage {
  return g === 'tsx' ? 'typescript' : g;
}

/** A `lang` value as agents send it (`ts`, `Python`, `.jsx`, `text/javascript`), or undefined when unknown. */
export function normalizeLang(lang: string): Grammar | undefined {
  const key = lang.trim().toLowerCase().replace(/^\./, '').replace(/^(text|application)\/(x-)?/, '');
  return ALIASES[key];
}

// JSX in a .ts file does not parse with the TypeScript grammar, and TSX rejects `<T>x` casts,
// so JSX-looking TypeScript goes to TSX.
const JSX = /<\/[A-Za-z][\w.]*>|<[A-Za-z][\w.]*(\s[^<>]*)?\/>/;

/** The grammar for a known language, switching TypeScript to TSX when the text holds JSX. */
export function grammarFor(g: Grammar, text: string): Grammar {
  return g === 'typescript' && JSX.test(text) ? 'tsx' : g;
}

const PY_SIGNS: RegExp[] = [
  /^\s*def \w+\s*\(.*\)\s*(->\s*[^:]+)?:\s*(#.*)?$/m,
  /^\s*class \w+(\(.*\))?:\s*$/m,
  /^\s*(from [\w.]+ import \w|import [\w.]+(\s+as \w+)?\s*$)/m,
  /^\s*(if|elif|while|for|with|try|except)\b.*:\s*(#.*)?$/m,
  /^\s*(elif|except)\b/m,
  /\bself\.\w+/,
  /^\s*@\w+(\.\w+)*(\(.*\))?\s*$/m,
  /\b(None|True|False)\b/,
];
const JS_SIGNS: RegExp[] = [
  /\b(const|let|var)\s+[\w${[]/,
  /=>/,
  /\bfunction\s*\*?\s*[\w$]*\s*\(/,
  /\brequire\(\s*['"`]/,
  /^\s*(import\s.+\sfrom\s+['"]|export\s+(default\s+)?(function|class|const|let|async|interface|type)\b)/m,
  /[;{}]\s*$/m,
  /===|!==/,
  /\b(document|window|console)\.\w+/,
];
const TS_SIGNS: RegExp[] = [
  /:\s*(string|number|boolean|void|unknown|never|any|Promise<|Record<|readonly\s)/,
  /\b(interface|type)\s+\w+\s*(<[^>]*>)?\s*[={]/,
  /\bimport\s+type\b|\bas\s+const\b/,
  /\b(private|public|protected)\s+(readonly\s+)?\w+/,
];

/**
 * A guess from the content, or undefined when there is not enough evidence (prose, a one-word
 * answer, JSON): three signs of one language and more than of the other, or two and none.
 */
export function detectLang(text: string): Grammar | undefined {
  if (text.length < 8) return undefined;
  const count = (signs: RegExp[]) => signs.reduce((n, re) => n + (re.test(text) ? 1 : 0), 0);
  const py = count(PY_SIGNS);
  const js = count(JS_SIGNS);
  // Two signs are enough when the other language shows none (a short function and its import).
  if ((py >= 3 && py > js) || (py >= 2 && js === 0)) return 'python';
  if ((js >= 3 && js > py) || (js >= 2 && py === 0)) return grammarFor(count(TS_SIGNS) >= 1 ? 'typescript' : 'javascript', text);
  return undefined;
}
