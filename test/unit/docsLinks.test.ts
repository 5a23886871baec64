import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brokenDocReferences, brokenLinks, headingAnchors } from '../support/markdownLinks';

const root = resolve(__dirname, '../..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

describe('links in the README and docs/', () => {
  test.each(docs)('every relative link in %s leads to a file and, for Markdown, to a heading in it', (file) => {
    expect(brokenLinks(join(root, file))).toEqual([]);
  });

  test('every docs/… reference in code, tests and templates names an existing file and heading', () => {
    const sources = ['cli', 'shared', 'functions', 'tools', 'test', 'infra']
      .flatMap((dir) =>
        readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(root, dir, f)),
      )
      .filter((f) => /\.(ts|bicep|py|json)$/.test(f) && f !== __filename); // this file plants broken ones on purpose
    expect(sources.flatMap((f) => brokenDocReferences(f, root))).toEqual([]);
  });

  test('the docs that the README and code comments point at exist, and the README stays a landing page', () => {
    expect(docs).toEqual(
      expect.arrayContaining([
        'docs/architecture.md',
        'docs/operations.md',
        'docs/benchmarks.md',
        'docs/change-feed.md',
      ]),
    );
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(250);
  });
});

describe('the link check itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
  writeFileSync(
    join(dir, 'target.md'),
    "# Storage model\n## Row kinds in a tenant's partition\n## Notes\n## Notes\n```\n# not a heading\n```\n",
  );

  test("names GitHub's anchors: punctuation dropped, spaces as hyphens, repeats numbered, code fences skipped", () => {
    expect([
      ...headingAnchors('# Storage model\n## `npm run bench:cycle`\n## A, B\n## A, B\n```\n# code\n```\n'),
    ]).toEqual(['storage-model', 'npm-run-benchcycle', 'a-b', 'a-b-1']);
  });

  test('reports a missing file and a missing heading, and accepts existing ones, external URLs and links in code', () => {
    const page = join(dir, 'page.md');
    writeFileSync(
      page,
      [
        'ok [a](target.md) [b](target.md#storage-model) [c](target.md#notes-1) [d](#local) [e](https://example.com/x.md)',
        '## Local',
        'bad [f](missing.md) and [g](target.md#no-such-heading)',
        '`[h](in-code-span.md)`',
        '```',
        '[i](in-fence.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(page).map((b) => [b.line, b.target])).toEqual([
      [3, 'missing.md'],
      [3, 'target.md#no-such-heading'],
    ]);
  });

  test('reports a docs/ reference in source whose file or heading is missing', () => {
    mkdirSync(join(dir, 'docs'), { recursive: true });
    writeFileSync(join(dir, 'docs', 'target.md'), '# Storage model\n');
    const source = join(dir, 'source.ts');
    writeFileSync(source, '// (docs/target.md#storage-model) fine\n// (docs/target.md#gone) and docs/missing.md\n');
    expect(brokenDocReferences(source, dir).map((b) => [b.line, b.target])).toEqual([
      [2, 'docs/target.md#gone'],
      [2, 'docs/missing.md'],
    ]);
  });
});
