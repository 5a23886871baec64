/**
 * The substitution azd applies to infra/main.parameters.json: drone/envsubst v1.0.3 (the version Azure/azure-dev
 * pins in cli/azd/go.mod), as its parse/parse.go, parse/scan.go, template.go and funcs.go define it — the part a
 * parameters file uses:
 * - `${NAME}`; `${NAME=default}`, `${NAME:=default}`, `${NAME:-default}` (and `:?`, `:+`, which template.go's
 *   lookupFunc maps to the same `toDefault`): the default replaces an *empty* value, set or not;
 * - a default is text up to the first `}` (parseDefaultFunc), and may hold `${…}`: `${X={}}` is the default `{`
 *   followed by a literal `}`;
 * - outside `${…}`: `$$` is `$`, `\\` is `\` and `\/` is `/` (scanEscaped);
 * - the lookup runs for every name, defaulted or not (azd records an unset one through it).
 * Case, substring, replace and trim functions are not emulated: they throw, so a parameters file using one fails
 * here rather than being resolved wrongly.
 */
export function envsubst(text: string, lookup: (name: string) => string): string {
  const scan = { text, pos: 0 };
  let out = '';
  while (scan.pos < text.length) {
    if (text.startsWith('${', scan.pos)) {
      scan.pos += 2;
      out += substitution(scan, lookup);
    } else if (
      text.startsWith('$$', scan.pos) ||
      text.startsWith('\\\\', scan.pos) ||
      text.startsWith('\\/', scan.pos)
    ) {
      out += text[scan.pos + 1];
      scan.pos += 2;
    } else {
      out += text[scan.pos++];
    }
  }
  return out;
}

interface Scan {
  text: string;
  pos: number;
}

const NAME = /^[\p{L}\p{N}_]+/u;
const DEFAULT_OPERATOR = /^(=|:=|:-|:\?|:\+)/;

/** After `${`: the name, then `}` or a default operator and its arguments. */
function substitution(scan: Scan, lookup: (name: string) => string): string {
  const rest = scan.text.slice(scan.pos);
  const name = NAME.exec(rest)?.[0];
  if (!name) throw new Error(`envsubst: unable to parse variable name at ${scan.pos}`);
  scan.pos += name.length;
  if (scan.text[scan.pos] === '}') {
    scan.pos++;
    return lookup(name);
  }
  const operator = DEFAULT_OPERATOR.exec(scan.text.slice(scan.pos))?.[0];
  if (!operator)
    throw new Error(
      `envsubst: \${${name}${scan.text.slice(scan.pos, scan.pos + 2)}…} is not emulated (or a missing closing brace)`,
    );
  scan.pos += operator.length;
  const args: string[] = [];
  for (;;) {
    if (scan.pos >= scan.text.length)
      throw new Error(`envsubst: unable to parse substitution within function \${${name}…`);
    if (scan.text[scan.pos] === '}') {
      scan.pos++;
      break;
    }
    if (scan.text.startsWith('${', scan.pos)) {
      scan.pos += 2;
      args.push(substitution(scan, lookup));
    } else {
      const end = [scan.text.indexOf('}', scan.pos), scan.text.indexOf('${', scan.pos)].filter((i) => i >= 0);
      const stop = end.length ? Math.min(...end) : scan.text.length;
      args.push(scan.text.slice(scan.pos, stop));
      scan.pos = stop;
    }
  }
  const value = lookup(name);
  return value === '' && args.length > 0 ? args.join('') : value;
}
