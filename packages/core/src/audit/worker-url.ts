import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let fromSources: Promise<URL> | undefined;

/**
 * The module a verify worker runs. Built, it is the compiled file beside this one. When Bridle
 * runs from its TypeScript sources (vitest does), a worker thread cannot load `.ts` files: Node
 * 20 has no type stripping, and vitest's transform does not reach other threads. So the worker's
 * small module graph (it imports nothing but relative modules and node: builtins) is transpiled
 * with the `typescript` package core already depends on, into a temporary directory named by its
 * content; the worker then runs the same source the tests see, never a possibly stale build.
 */
export function verifyWorkerUrl(): Promise<URL> {
  if (!import.meta.url.endsWith('.ts')) return Promise.resolve(new URL('./verify-worker.js', import.meta.url));
  return (fromSources ??= transpiled(new URL('./verify-worker.ts', import.meta.url)));
}

async function transpiled(entry: URL): Promise<URL> {
  const ts = (await import('typescript')).default;
  const root = fileURLToPath(new URL('../', import.meta.url));
  const relJs = (file: string) => {
    const rel = relative(root, file);
    if (rel.startsWith(`..${sep}`)) throw new Error(`verify worker imports ${file}, outside ${root}`);
    return rel.replace(/\.ts$/, '.js');
  };
  const outputs = new Map<string, string>();
  const queue = [entry];
  for (let url = queue.pop(); url; url = queue.pop()) {
    const file = fileURLToPath(url);
    if (outputs.has(relJs(file))) continue;
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    outputs.set(relJs(file), js);
    // Relative imports only: packages are resolved by path in the worker (see WorkerInit.driver).
    for (const m of js.matchAll(/\b(?:from|import)\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) queue.push(new URL(`${m[1]}.ts`, url));
  }
  // Named by content, so test processes share one copy and nothing is left per run (vitest ends
  // its worker processes without an exit event); written aside and renamed into place whole.
  const hash = createHash('sha256');
  for (const [rel, js] of [...outputs].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`${rel}\0${js}\0`);
  const dir = join(tmpdir(), `bridle-verify-worker-${hash.digest('hex').slice(0, 16)}`);
  const main = join(dir, relJs(fileURLToPath(entry)));
  if (!existsSync(main)) {
    const temp = mkdtempSync(`${dir}-`);
    writeFileSync(join(temp, 'package.json'), '{"type":"module"}\n');
    for (const [rel, js] of outputs) {
      mkdirSync(dirname(join(temp, rel)), { recursive: true });
      writeFileSync(join(temp, rel), js);
    }
    try {
      renameSync(temp, dir);
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      if (!existsSync(main)) throw e; // not another process having just done the same
    }
  }
  return pathToFileURL(main);
}
