import { parseJson } from './document';
import { badRequest } from './errors';

/**
 * RFC 7644 §3.4.2.2 filters, parsed once into a tree that query planning, in-memory evaluation and PATCH value
 * paths all share. Lenient where Entra is sloppy: bare (unquoted) values and case-insensitive keywords.
 */
const COMPARE_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type Literal = string | number | boolean | null;

/** An attribute path as written: optional schema URN, attribute, optional sub-attribute. */
export interface AttrPath {
  urn?: string;
  attr: string;
  sub?: string;
}

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: Literal }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

type Token =
  | { t: 'word'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: '(' | ')' | '[' | ']'; pos: number }
  | { t: 'end'; pos: number };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ t: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      let j = i + 1;
      let raw = '"';
      while (j < input.length && input[j] !== '"') {
        if (input[j] === '\\') {
          raw += input[j++];
        }
        raw += input[j++] ?? '';
      }
      if (j >= input.length) throw invalidFilter(`unterminated string starting at position ${start + 1}`);
      raw += '"';
      try {
        // `raw` is a quoted JSON string literal, so it parses to a string (or throws).
        const text = parseJson(raw);
        if (typeof text !== 'string') throw new SyntaxError('not a string literal');
        tokens.push({ t: 'string', v: text, pos: start });
      } catch {
        throw invalidFilter(`invalid escape in string starting at position ${start + 1}`);
      }
      i = j + 1;
      continue;
    }
    const start = i;
    while (i < input.length && !/[\s()[\]"]/.test(input[i])) i++;
    tokens.push({ t: 'word', v: input.slice(start, i), pos: start });
  }
  tokens.push({ t: 'end', pos: input.length });
  return tokens;
}

const invalidFilter = (detail: string) => badRequest('invalidFilter', `Invalid filter: ${detail}.`);

/** Splits `urn:…:User:name.givenName` on the last colon; sub-attribute after the first dot of the remainder. */
export function parseAttrPath(text: string): AttrPath {
  let urn: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(':');
    urn = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  const [attr, sub, extra] = rest.split('.');
  const name = /^[A-Za-z$][\w$-]*$/;
  if (!attr || !name.test(attr) || (sub !== undefined && !name.test(sub)) || extra !== undefined) {
    throw badRequest('invalidPath', `"${text}" is not a valid attribute path.`);
  }
  return { urn, attr, sub };
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): Filter {
    const f = this.or();
    const next = this.peek();
    if (next.t !== 'end') throw this.unexpected(next, 'end of filter');
    return f;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }
  private take(): Token {
    return this.tokens[this.i++];
  }
  private isWord(tok: Token, w: string) {
    return tok.t === 'word' && tok.v.toLowerCase() === w;
  }

  private unexpected(tok: Token, expected: string) {
    const found =
      tok.t === 'end' ? 'end of filter' : tok.t === 'word' || tok.t === 'string' ? `"${tok.v}"` : `"${tok.t}"`;
    return invalidFilter(
      `expected ${expected} at position ${tok.pos + 1} but found ${found} in ${JSON.stringify(this.source)}`,
    );
  }

  private or(): Filter {
    let left = this.and();
    while (this.isWord(this.peek(), 'or')) {
      this.take();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Filter {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.take();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Filter {
    const tok = this.peek();
    if (this.isWord(tok, 'not')) {
      this.take();
      const open = this.take();
      if (open.t !== '(') throw this.unexpected(open, '"(" after "not"');
      const filter = this.or();
      this.close(')');
      return { kind: 'not', filter };
    }
    if (tok.t === '(') {
      this.take();
      const f = this.or();
      this.close(')');
      return f;
    }
    return this.attrExpression();
  }

  private close(kind: ')' | ']') {
    const tok = this.take();
    if (tok.t !== kind) throw this.unexpected(tok, `"${kind}"`);
  }

  private attrExpression(): Filter {
    const tok = this.take();
    if (tok.t !== 'word') throw this.unexpected(tok, 'an attribute name');
    const pathText = tok.v;
    if (this.peek().t === '[') {
      this.take();
      const inner = this.or();
      this.close(']');
      const path = parseAttrPathOrFilterError(pathText, tok.pos);
      // `emails[type eq "work"].value eq "x"`: a sub-attribute after the bracket (Entra's form) narrows the comparison.
      const after = this.peek();
      if (after.t === 'word' && after.v.startsWith('.')) {
        this.take();
        const cmp = this.comparison(parseAttrPathOrFilterError(after.v.slice(1), after.pos + 1));
        return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: cmp } };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    return this.comparison(parseAttrPathOrFilterError(pathText, tok.pos));
  }

  private comparison(path: AttrPath): Filter {
    const opTok = this.take();
    if (opTok.t !== 'word') throw this.unexpected(opTok, 'an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)');
    if (opTok.v.toLowerCase() === 'pr') return { kind: 'present', path };
    const op = COMPARE_OPS.find((o) => o === opTok.v.toLowerCase());
    if (!op) throw this.unexpected(opTok, 'an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)');
    const valTok = this.take();
    if (valTok.t === 'string') return { kind: 'compare', path, op, value: valTok.v };
    if (valTok.t !== 'word') throw this.unexpected(valTok, 'a value');
    return { kind: 'compare', path, op, value: bareLiteral(valTok.v) };
  }
}

function parseAttrPathOrFilterError(text: string, pos: number): AttrPath {
  try {
    return parseAttrPath(text);
  } catch {
    throw invalidFilter(`"${text}" at position ${pos + 1} is not a valid attribute path`);
  }
}

/** RFC literals are true/false/null/numbers; anything else unquoted is Entra's bare-token form (`externalId eq jyoung`). */
function bareLiteral(v: string): Literal {
  const lower = v.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return v;
}

/** Parses a filter expression; a filter value in a query string arrives already percent- and `+`-decoded. */
export function parseFilter(text: string): Filter {
  if (text.trim() === '') throw invalidFilter('the filter is empty');
  if (text.length > 4096) throw badRequest('invalidFilter', 'Invalid filter: longer than 4096 characters.');
  return new Parser(tokenize(text), text).parse();
}
