import ts from 'typescript';

/** One place where the compiler is told to trust the code: an `as` cast (other than `as const`) or a non-null `!`. */
export interface TypeAssertion {
  kind: 'as' | '!';
  /** 1-based line of the assertion. */
  line: number;
  text: string;
  /** A comment on its line(s), or in the comment lines just above it or above its statement, says why it holds. */
  explained: boolean;
}

/** Lines that are only a comment (or part of a block comment): a JSDoc, a `//` line, an eslint directive. */
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
/** A directive says what to silence, not why the assertion is safe, so it does not count as an explanation. */
const DIRECTIVE = /^\s*(\/\/|\/\*)\s*eslint-(disable|enable)[\w-]*(\s+[@\w/,-]+)?\s*(\*\/)?\s*$/;

/** Every `as` cast and `!` in one file, by the TypeScript syntax tree (so strings and comments never count). */
export function typeAssertions(fileName: string, text: string): TypeAssertion[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const commentStartLines = commentLines(source, text, lineOf);

  /** The comment lines directly above `line` (0-based), skipping eslint directives, hold some explanation. */
  const explainedAbove = (line: number) => {
    for (let l = line - 1; l >= 0 && COMMENT_LINE.test(lines[l]); l--)
      if (!DIRECTIVE.test(lines[l]) && /\w/.test(lines[l])) return true;
    return false;
  };

  const found: TypeAssertion[] = [];
  const visit = (node: ts.Node) => {
    const kind = ts.isNonNullExpression(node) ? '!' : isCast(node) ? 'as' : undefined;
    if (kind) {
      const start = lineOf(node.getStart(source));
      const end = lineOf(node.getEnd());
      const anchor = lineOf(enclosingStatement(node).getStart(source));
      let explained = explainedAbove(start) || explainedAbove(anchor);
      for (let l = anchor; l <= end && !explained; l++) explained = commentStartLines.has(l);
      found.push({ kind, line: start + 1, text: node.getText(source).replace(/\s+/g, ' ').slice(0, 80), explained });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const isCast = (node: ts.Node): node is ts.AsExpression | ts.TypeAssertion =>
  (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) &&
  !(ts.isTypeReferenceNode(node.type) && node.type.typeName.getText() === 'const');

/** The statement, class member or object property the node belongs to: a comment above it covers the whole of it. */
function enclosingStatement(node: ts.Node): ts.Node {
  let n = node;
  while (
    n.parent &&
    !ts.isBlock(n.parent) &&
    !ts.isSourceFile(n.parent) &&
    !ts.isModuleBlock(n.parent) &&
    !ts.isCaseOrDefaultClause(n.parent) &&
    !ts.isClassLike(n.parent) &&
    !ts.isObjectLiteralExpression(n.parent)
  ) {
    n = n.parent;
  }
  return n;
}

/** The 0-based lines on which a comment other than an eslint directive starts, found through the tokens' trivia. */
function commentLines(source: ts.SourceFile, text: string, lineOf: (pos: number) => number): Set<number> {
  const seen = new Set<number>();
  const out = new Set<number>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      if (!DIRECTIVE.test(text.slice(r.pos, r.end))) out.add(lineOf(r.pos));
    }
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return out;
}
