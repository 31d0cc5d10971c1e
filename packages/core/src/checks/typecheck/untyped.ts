import type ts from 'typescript';

/** "Parameter 'x' implicitly has an 'any' type", and the same for binding elements and rest parameters. */
const IMPLICIT_ANY_PARAM: ReadonlySet<number> = new Set([7006, 7019, 7031]);
/** "Property 'x' does not exist on type 'T'". */
const NO_PROPERTY = 2339;
/** "'x' is of type 'unknown'". */
const IS_UNKNOWN = 18046;

/** Codes `causedByUnseen` may excuse; others are never looked at. */
export const EXCUSABLE: ReadonlySet<number> = new Set([...IMPLICIT_ANY_PARAM, NO_PROPERTY, IS_UNKNOWN]);

const isAny = (t: typeof ts, checker: ts.TypeChecker, n: ts.Node): boolean => (checker.getTypeAtLocation(n).flags & t.TypeFlags.Any) !== 0;

/** The deepest node whose range holds `pos`. */
function nodeAt(t: typeof ts, sf: ts.SourceFile, pos: number): ts.Node {
  let node: ts.Node = sf;
  for (;;) {
    const child: ts.Node | undefined = t.forEachChild(node, (c) => (c.pos <= pos && pos < c.end ? c : undefined));
    if (!child) return node;
    node = child;
  }
}

/**
 * Whether the nearest contextual type around `node` is `any`, climbing through the places that
 * pass a context down to a callback: object and array literals, parentheses, conditionals, and
 * `return` (to the function returning). A typed context, or none at all, answers false.
 */
function anyContext(t: typeof ts, checker: ts.TypeChecker, node: ts.Node): boolean {
  for (let depth = 0; depth < 32; depth++) {
    if (t.isExpression(node)) {
      const type = checker.getContextualType(node);
      if (type) return (type.flags & t.TypeFlags.Any) !== 0;
    }
    const p: ts.Node | undefined = node.parent;
    if (!p) return false;
    if (t.isReturnStatement(p)) {
      const fn = t.findAncestor(p, t.isFunctionLike);
      if (!fn) return false;
      node = fn;
    } else if (
      t.isObjectLiteralElement(p) || t.isObjectLiteralExpression(p) || t.isArrayLiteralExpression(p) || t.isParenthesizedExpression(p) ||
      t.isConditionalExpression(p) || t.isSpreadElement(p) || (t.isArrowFunction(p) && p.body === node)
    ) {
      node = p;
    } else {
      return false;
    }
  }
  return false;
}

/**
 * True when an implicit-any parameter at `start` belongs to a callback whose context is `any`:
 * one handed to something from a module the check can't see, such as
 * `app.get('/', (req, res) => …)` with express unresolved, or a method of an object literal
 * passed to it. With the package's types the parameters would be typed, so under strict this
 * error says nothing about the snippet. A function with no context at all (`const f = (x) => x`)
 * or a typed one keeps its error.
 */
function inUntypedCallback(t: typeof ts, checker: ts.TypeChecker, at: ts.Node): boolean {
  let n: ts.Node | undefined = at;
  while (n && !t.isParameter(n)) n = n.parent;
  const fn = n?.parent;
  if (!fn || !(t.isArrowFunction(fn) || t.isFunctionExpression(fn) || (t.isObjectLiteralElement(fn) && t.isObjectLiteralExpression(fn.parent)))) return false;
  return anyContext(t, checker, fn);
}

/**
 * True when a missing property is looked up on an interface or class that extends a type the
 * check can't see (`interface Props extends React.HTMLAttributes<…>`): TypeScript drops the
 * unresolved base, so every inherited member looks missing.
 */
function onTypeWithUnseenBase(t: typeof ts, checker: ts.TypeChecker, at: ts.Node): boolean {
  const access = at.parent;
  if (!access || !(t.isPropertyAccessExpression(access) || t.isQualifiedName(access))) return false;
  const type = checker.getTypeAtLocation(t.isPropertyAccessExpression(access) ? access.expression : access.left);
  const parts = type.isUnionOrIntersection() ? type.types : [type];
  return parts.some((p) =>
    (p.getSymbol()?.declarations ?? []).some(
      (d) =>
        (t.isInterfaceDeclaration(d) || t.isClassLike(d)) &&
        (d.heritageClauses ?? []).some((h) => h.token === t.SyntaxKind.ExtendsKeyword && h.types.some((base) => isAny(t, checker, base))),
    ),
  );
}

/** Whether any identifier in `expr` is typed `any`. */
function mentionsAny(t: typeof ts, checker: ts.TypeChecker, expr: ts.Node): boolean {
  const visit = (n: ts.Node): boolean => (t.isIdentifier(n) && isAny(t, checker, n)) || (t.forEachChild(n, visit) ?? false);
  return visit(expr);
}

/** Whether `scope` tests `name` with `name instanceof Unseen` or `unseenGuard(name)`, which narrow nothing. */
function testedByUnseen(t: typeof ts, checker: ts.TypeChecker, scope: ts.Node, name: string): boolean {
  const isName = (a: ts.Node): boolean => t.isIdentifier(a) && a.text === name;
  const visit = (c: ts.Node): boolean =>
    (t.isBinaryExpression(c) && c.operatorToken.kind === t.SyntaxKind.InstanceOfKeyword && isName(c.left) && isAny(t, checker, c.right)) ||
    (t.isCallExpression(c) && c.arguments.some(isName) && isAny(t, checker, c.expression)) ||
    (t.forEachChild(c, visit) ?? false);
  return visit(scope);
}

/**
 * True when a value is `unknown` only because it came out of `any`: `Object.entries(cfg)` or
 * `Object.values(cfg).map((r) => …)` with `cfg` imported from a module the check can't see
 * yields `unknown` values, and neither `e instanceof AxiosError` nor a type guard
 * `isHttpError(e)` narrows a caught `e` when they are unseen. Looks at where the variable got
 * its value: its initializer, the `for…of` it iterates, the call its callback is passed to, or
 * for a caught error or parameter, the tests made on it in its scope.
 */
function unknownFromAny(t: typeof ts, checker: ts.TypeChecker, at: ts.Node): boolean {
  if (!t.isIdentifier(at)) return false;
  let decl: ts.Node | undefined = checker.getSymbolAtLocation(at)?.valueDeclaration;
  while (decl && (t.isBindingElement(decl) || t.isObjectBindingPattern(decl) || t.isArrayBindingPattern(decl))) decl = decl.parent;
  if (!decl) return false;
  if (t.isCatchClause(decl.parent) && testedByUnseen(t, checker, decl.parent.block, at.text)) return true;
  if (t.isParameter(decl) && decl.parent && testedByUnseen(t, checker, decl.parent, at.text)) return true;
  // A declared type is the author's word, even when the value came from `any`.
  if ((t.isParameter(decl) || t.isVariableDeclaration(decl)) && decl.type) return false;
  if (t.isParameter(decl)) {
    const call = decl.parent.parent;
    return !!call && t.isCallExpression(call) && mentionsAny(t, checker, call.expression);
  }
  if (!t.isVariableDeclaration(decl)) return false;
  const loop = decl.parent.parent;
  const source = loop && (t.isForOfStatement(loop) || t.isForInStatement(loop)) ? loop.expression : decl.initializer;
  return !!source && mentionsAny(t, checker, source);
}

/**
 * Whether diagnostic `code` at `start` only reflects something the check can't see (a module or
 * type package), so that with the real types it would not be there. See the cases above.
 */
export function causedByUnseen(t: typeof ts, checker: ts.TypeChecker, sf: ts.SourceFile, code: number, start: number): boolean {
  const at = nodeAt(t, sf, start);
  if (IMPLICIT_ANY_PARAM.has(code)) return inUntypedCallback(t, checker, at);
  if (code === NO_PROPERTY) return onTypeWithUnseenBase(t, checker, at);
  if (code === IS_UNKNOWN) return unknownFromAny(t, checker, at);
  return false;
}
