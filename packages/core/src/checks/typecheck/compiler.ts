import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, posix } from 'node:path';
import type ts from 'typescript';
import { causedByUnseen, EXCUSABLE } from './untyped.js';

const require = createRequire(import.meta.url);
let tsModule: typeof ts | undefined;

/**
 * The TypeScript compiler, loaded on first use. A top-level `import ts from 'typescript'` costs
 * every process that loads @bridle/core about 0.4 s (1.3 s through ESM's CommonJS export lexer
 * on its 9 MB file), including `bridle scan` on plain text and servers whose policy never
 * type-checks anything.
 */
export function typescript(): typeof ts {
  return (tsModule ??= require('typescript') as typeof ts);
}

let libNames: ReadonlySet<string> | undefined;

/** Names usable in `lib` (`es2022`, `dom`, `dom.iterable`, …): the lib.NAME.d.ts files TypeScript ships. Read without loading the compiler. */
export function knownLibs(): ReadonlySet<string> {
  if (libNames) return libNames;
  const dir = dirname(require.resolve('typescript'));
  const names = readdirSync(dir).flatMap((f) => /^lib\.(.+)\.d\.ts$/.exec(f)?.[1] ?? []);
  return (libNames = new Set(names));
}

// Parsed library files, shared by every check instance and program in the process. lib.dom.d.ts
// alone is 1.9 MB and takes ~0.3-0.8 s to parse; a SourceFile is also bound only once (the binder
// skips files it has seen), so reusing the objects saves both on every later run. Declaration
// files parse the same under every option except the target, hence the key.
const libCache = new Map<string, ts.SourceFile>();
let libFolder: string | undefined;

/** The lib folder as TypeScript spells it (forward slashes on every platform). */
function libDir(): string {
  return (libFolder ??= posix.dirname(typescript().getDefaultLibFilePath({})));
}

function libFile(fileName: string, langOptions: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile | undefined {
  const t = typescript();
  // Only TypeScript's own lib.*.d.ts: a snippet's `/// <reference path="/etc/passwd" />` must not read the disk.
  const base = posix.basename(fileName);
  if (posix.dirname(fileName) !== libDir() || !/^lib(\.[\w.]+)?\.d\.ts$/.test(base)) return undefined;
  const opts: ts.CreateSourceFileOptions = typeof langOptions === 'object' ? { ...langOptions } : { languageVersion: langOptions };
  opts.jsDocParsingMode = t.JSDocParsingMode.ParseForTypeErrors;
  const key = `${opts.languageVersion}:${base}`;
  let sf = libCache.get(key);
  if (sf) return sf;
  let text: string;
  try {
    text = readFileSync(fileName, 'utf8');
  } catch {
    return undefined;
  }
  sf = t.createSourceFile(fileName, text, opts, false);
  libCache.set(key, sf);
  return sf;
}

/** One diagnostic about the snippet, in its own coordinates. */
export interface SnippetDiagnostic {
  code: number;
  message: string;
  syntactic: boolean;
  /** UTF-16 offset and length in the snippet; absent for diagnostics about no place in particular. */
  start?: number;
  length?: number;
  /** 1-based, for messages the agent reads. */
  line?: number;
  column?: number;
}

export type SnippetKind = 'ts' | 'tsx' | 'mts' | 'cts';

/** Declaration files every program of one check includes (the `ambient` text). */
export interface ExtraFile {
  name: string;
  text: string;
}

/**
 * Type-checks one snippet at a time as `/snippet.<kind>` in an in-memory program. Libraries come
 * from the process-wide cache; the extra files are parsed once per instance; the previous program
 * is handed to the next as `oldProgram`, so a run only parses the snippet and checks it.
 */
export class SnippetChecker {
  private readonly extra = new Map<string, ts.SourceFile | string>();
  private readonly host: ts.CompilerHost;
  private old: ts.Program | undefined;
  private snippet: { name: string; text: string } = { name: '', text: '' };

  /**
   * @param excuseUnseen drop errors that only reflect modules and types the check can't see,
   *   such as untyped parameters of callbacks handed to them; see untyped.ts.
   */
  constructor(
    private readonly options: ts.CompilerOptions,
    extraFiles: readonly ExtraFile[],
    private readonly excuseUnseen: boolean,
  ) {
    const t = typescript();
    for (const f of extraFiles) this.extra.set(f.name, f.text);
    const jsDocParsingMode = t.JSDocParsingMode.ParseForTypeErrors;
    this.host = {
      getSourceFile: (name, lang) => {
        const opts = typeof lang === 'object' ? { ...lang, jsDocParsingMode } : { languageVersion: lang, jsDocParsingMode };
        if (name === this.snippet.name) return t.createSourceFile(name, this.snippet.text, opts, false);
        const e = this.extra.get(name);
        if (e === undefined) return libFile(name, lang);
        if (typeof e !== 'string') return e;
        const sf = t.createSourceFile(name, e, opts, false);
        this.extra.set(name, sf);
        return sf;
      },
      getDefaultLibFileName: (o) => t.getDefaultLibFilePath(o),
      getDefaultLibLocation: libDir,
      writeFile: () => {},
      getCurrentDirectory: () => '/',
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => '\n',
      fileExists: (f) => f === this.snippet.name || this.extra.has(f),
      readFile: () => undefined,
      directoryExists: () => false,
      getDirectories: () => [],
      // Nothing outside the snippet is visible, so skip the resolver's probing of node_modules.
      resolveModuleNameLiterals: (lits) => lits.map(() => ({ resolvedModule: undefined })),
      resolveTypeReferenceDirectiveReferences: (refs) => refs.map(() => ({ resolvedTypeReferenceDirective: undefined })),
      jsDocParsingMode,
    };
  }

  /** Syntax errors only when there are any (as tsc does: type errors in broken syntax are noise), else type errors. */
  check(text: string, kind: SnippetKind): SnippetDiagnostic[] {
    const t = typescript();
    this.snippet = { name: `/snippet.${kind}`, text };
    const program = t.createProgram({ rootNames: [this.snippet.name, ...this.extra.keys()], options: this.options, host: this.host, oldProgram: this.old });
    this.old = program;
    const sf = program.getSourceFile(this.snippet.name);
    if (!sf) throw new Error('the snippet was not part of its own program');
    const syntactic = program.getSyntacticDiagnostics(sf);
    const diags = syntactic.length > 0 ? syntactic : program.getSemanticDiagnostics(sf);
    const out: SnippetDiagnostic[] = [];
    let checker: ts.TypeChecker | undefined;
    for (const d of diags) {
      if (d.category !== t.DiagnosticCategory.Error || (d.file && d.file !== sf)) continue;
      if (this.excuseUnseen && EXCUSABLE.has(d.code) && d.start !== undefined && causedByUnseen(t, (checker ??= program.getTypeChecker()), sf, d.code, d.start)) continue;
      const item: SnippetDiagnostic = { code: d.code, message: t.flattenDiagnosticMessageText(d.messageText, '\n'), syntactic: syntactic.length > 0 };
      if (d.start !== undefined) {
        const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
        Object.assign(item, { start: d.start, length: d.length ?? 0, line: line + 1, column: character + 1 });
      }
      out.push(item);
    }
    return out.sort((a, b) => (a.start ?? -1) - (b.start ?? -1));
  }
}

/**
 * What is wrong with `ambient` declaration text, if anything: syntax errors, or being a module
 * (an import or export) whose declarations would not be global. Types in it are not checked
 * (as with skipLibCheck), so this is all a policy load can catch without loading the libraries.
 */
export function ambientProblem(text: string): string | undefined {
  const t = typescript();
  const name = '/ambient.d.ts';
  const sf = t.createSourceFile(name, text, t.ScriptTarget.Latest, false);
  const host: ts.CompilerHost = {
    getSourceFile: (f) => (f === name ? sf : undefined),
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => {},
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (f) => f === name,
    readFile: () => undefined,
  };
  const program = t.createProgram({ rootNames: [name], options: { noLib: true, noResolve: true, types: [] }, host });
  const first = program.getSyntacticDiagnostics(sf)[0];
  if (first) {
    const { line, character } = sf.getLineAndCharacterOfPosition(first.start ?? 0);
    return `syntax error at ${line + 1}:${character + 1}: TS${first.code} ${t.flattenDiagnosticMessageText(first.messageText, ' ')}`;
  }
  const global = sf.statements.some((s) => t.isModuleDeclaration(s) && t.isIdentifier(s.name) && s.name.text === 'global');
  if (t.isExternalModule(sf) && !global) return 'it has an import or export, which makes its declarations local to it; remove them, or put the declarations in `declare global { … }`';
  return undefined;
}
