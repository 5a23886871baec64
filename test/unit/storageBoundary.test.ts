import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every TypeScript file of the app under `dir`, relative to the repository root. */
function sources(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(ROOT, join(ROOT, dir, f)));
}

it('only the store and the client factory talk to Table Storage: nothing else imports @azure/data-tables', () => {
  const importing = [...sources('shared'), ...sources('functions')].filter((file) =>
    /from '@azure\/data-tables'|require\('@azure\/data-tables'\)/.test(readFileSync(join(ROOT, file), 'utf8')),
  );
  expect(importing.filter((file) => !file.startsWith('shared/store/') && file !== 'shared/azureClients.ts')).toEqual(
    [],
  );
  // The check reads what it means to: the store itself does import it.
  expect(importing).toEqual(
    expect.arrayContaining([
      'shared/store/partitionTable.ts',
      'shared/store/activityTables.ts',
      'shared/azureClients.ts',
    ]),
  );
});
