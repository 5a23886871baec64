import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { typeAssertions } from '../support/typeAssertions';

const ROOT = join(__dirname, '..', '..');
/** Each `as` or `!` is a place where the compiler stops checking; typed documents and zod keep them this few. */
const MAX_CASTS = 20;
const MAX_NON_NULL = 5;

const found = ['shared', 'functions']
  .flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
  .filter((f) => f.endsWith('.ts'))
  .flatMap((file) =>
    typeAssertions(file, readFileSync(join(ROOT, file), 'utf8')).map((a) => ({ ...a, at: `${file}:${a.line}` })),
  );
const listed = (kind: 'as' | '!') => found.filter((a) => a.kind === kind).map((a) => `${a.at} ${a.text}`);
/** Over the limit, the failure lists every one of them, to choose which to remove. */
const overLimit = (all: string[], max: number) => (all.length > max ? all : []);

describe('type assertions in shared/ and functions/', () => {
  it(`has at most ${MAX_CASTS} \`as\` casts (\`as const\` aside)`, () => {
    expect(overLimit(listed('as'), MAX_CASTS)).toEqual([]);
  });

  it(`has at most ${MAX_NON_NULL} non-null assertions`, () => {
    expect(overLimit(listed('!'), MAX_NON_NULL)).toEqual([]);
  });

  it('says next to each remaining one why it is safe', () => {
    expect(found.filter((a) => !a.explained).map((a) => `${a.at} ${a.kind} ${a.text}`)).toEqual([]);
  });
});

describe('the assertion finder itself', () => {
  const sample = [
    'const a = JSON.parse(s) as string[];', // 1: unexplained cast
    'const b = [1, 2] as const;', // 2: not a cast of a type
    "const c = 'x as y' + m.get(k)!; // the key was set two lines above", // 3: explained on its line
    '// The map holds every key of `keys` (filled from it above).', // 4
    '// eslint-disable-next-line @typescript-eslint/no-non-null-assertion', // 5
    'const d = m.get(k)!;', // 6: explained above, past the directive
    '// eslint-disable-next-line @typescript-eslint/no-non-null-assertion', // 7
    'const e = m.get(k)!;', // 8: a directive alone explains nothing
    '/** A module loaded on demand: the cast names the module `require` loaded. */', // 9
    'const f = call(', // 10
    "  require('x') as typeof import('x'),", // 11: explained above its statement
    ');',
    'const g = <number>h;', // 13: the old assertion syntax counts too
  ].join('\n');
  const result = typeAssertions('sample.ts', sample).map(
    (a) => `${a.line} ${a.kind} ${a.explained ? 'explained' : 'unexplained'}`,
  );

  it('counts `as` and `<T>` casts and `!`, but not `as const` or text in strings', () => {
    expect(result).toEqual([
      '1 as unexplained',
      '3 ! explained',
      '6 ! explained',
      '8 ! unexplained',
      '11 as explained',
      '13 as unexplained',
    ]);
  });
});
