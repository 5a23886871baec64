import fc from 'fast-check';
import { Filter, parseFilter } from '../../shared/scim/filter';
import { matches } from '../../shared/scim/filterEvaluation';
import { JsonObject } from '../../shared/scim/document';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { parseSort, sortBy, sortKey } from '../../shared/scim/sort';
import { EmbeddedAzurite } from '../../tools/localHost/embeddedAzurite';
import { startTestServer, TestServer } from '../support/scimServer';
import { EU, G, PO, U } from '../support/urns';

/**
 * The planner may only narrow: for random data and random filters, what the service answers through its planned
 * path (index point reads, membership rows, OData push-down, bounded scans; every page by cursor) must equal a naive
 * in-memory evaluation of the same filter over every stored resource, and a sorted query the naive result sorted.
 */

const { user, group } = buildSchemaRegistry([]);
const USERS = 200;

/**
 * Registers the suite on the given storage (default: the embedded Azurite with its index shortcuts). `share`
 * runs the first fraction of each property's seeded cases (the same ones), for a second, costlier storage.
 */
export function planEquivalenceSuite(
  options: { storage?: () => Promise<EmbeddedAzurite>; share?: number; timeoutMs?: number } = {},
): void {
  // Generous: these check answers, not speed, and a 2-core machine busy with other work ran "for users" past 120 s.
  const { storage, share = 1, timeoutMs = 300_000 } = options;
  const runs = (n: number) => Math.ceil(n * share);
  let s: TestServer;
  let allUsers: JsonObject[];
  let allGroups: JsonObject[];
  const pools = {
    userName: [] as string[],
    externalId: [] as string[],
    email: [] as string[],
    title: [] as string[],
    id: [] as string[],
    displayName: [] as string[],
    groupId: [] as string[],
    lastModified: [] as string[],
  };

  beforeAll(async () => {
    s = await startTestServer({}, { storage });
    const rand = fc.sample(
      fc.record({
        local: fc.stringMatching(/^[a-z]{1,6}$/),
        upper: fc.boolean(),
        externalId: fc.option(fc.constantFrom('E-1', 'e-1', 'E-2', "O'Neil", 'x or y'), { nil: undefined }),
        title: fc.option(fc.constantFrom('Engineer', 'engineer', 'Sales', "it's", 'Zed'), { nil: undefined }),
        active: fc.option(fc.boolean(), { nil: undefined }),
        work: fc.boolean(),
        home: fc.boolean(),
        shoutedEmail: fc.boolean(),
        given: fc.constantFrom('Ann', 'ann', 'Bob', 'Émile'),
        family: fc.option(fc.constantFrom('Smith', 'smith', 'Ng', 'Øre'), { nil: undefined }),
        employeeNumber: fc.option(fc.constantFrom('1', '10', '9', 'A7'), { nil: undefined }),
      }),
      { numRuns: USERS, seed: 4242 },
    );
    for (const [i, r] of rand.entries()) {
      const userName = `${r.upper ? r.local.toUpperCase() : r.local}${i}@Contoso.com`;
      // The email index folds case while the attribute is caseExact=false: some addresses are stored shouted.
      const local = r.shoutedEmail ? r.local.toUpperCase() : r.local;
      const emails = [
        ...(r.work ? [{ type: 'work', value: `${local}@work.example`, primary: true }] : []),
        ...(r.home ? [{ type: 'home', value: `${local}@home.example` }] : []),
      ];
      const res = await s.scim('POST', '/Users', {
        schemas: [U, ...(r.employeeNumber ? [EU] : [])],
        userName,
        externalId: r.externalId,
        title: r.title,
        active: r.active,
        emails,
        name: { givenName: r.given, familyName: r.family },
        ...(r.employeeNumber ? { [EU]: { employeeNumber: r.employeeNumber } } : {}),
      });
      expect(res.status).toBe(201);
      pools.userName.push(userName);
      if (r.externalId) pools.externalId.push(r.externalId);
      if (r.title) pools.title.push(r.title);
      pools.email.push(...emails.map((e) => e.value));
      pools.id.push(res.body.id);
    }
    for (const [i, name] of ['Staff', 'staff-2', 'Admins', "O'Reilly"].entries()) {
      const g = await s.scim('POST', '/Groups', { schemas: [G], displayName: name, externalId: `G-${i}` });
      pools.displayName.push(name);
      pools.groupId.push(g.body.id);
      const members = pools.id
        .filter((_, k) => k % (i + 2) === 0)
        .slice(0, 30)
        .map((value) => ({ value }));
      await s.scim('PATCH', `/Groups/${g.body.id}`, {
        schemas: [PO],
        Operations: [{ op: 'add', path: 'members', value: members }],
      });
    }
    allUsers = await everything('/Users', '');
    allGroups = await everything('/Groups', '');
    pools.lastModified.push(...allUsers.map((u) => (u.meta as { lastModified: string }).lastModified));
  }, 300_000);
  afterAll(() => s.close());

  /** Every resource a query returns, page by page with cursors. */
  async function everything(endpoint: string, query: string, count = 50): Promise<JsonObject[]> {
    const out: JsonObject[] = [];
    let cursor = '';
    for (;;) {
      const res = await s.scim('GET', `${endpoint}?${query}&cursor=${cursor}&count=${count}`);
      if (res.status !== 200) throw new Error(`${endpoint}?${query} → ${res.status} ${res.text}`);
      out.push(...res.body.Resources);
      if (!res.body.nextCursor) return out;
      cursor = res.body.nextCursor;
    }
  }

  const pick = (pool: string[]) =>
    fc.oneof(
      fc.constantFrom(...pool),
      fc.constantFrom(...pool).map((v) => v.toUpperCase()),
      fc.constant('nobody'),
    );
  const q = (v: string) => JSON.stringify(v);

  /** Leaves biased towards what the planner treats specially: indexed eq, membership rows, pushable comparisons. */
  const userLeaf = (): fc.Arbitrary<string> =>
    fc.oneof(
      pick(pools.userName).map((v) => `userName eq ${q(v)}`),
      pick(pools.externalId).map((v) => `externalId eq ${q(v)}`),
      pick(pools.id).map((v) => `id eq ${q(v)}`),
      pick(pools.email).map((v) => `emails[type eq "work"].value eq ${q(v)}`),
      pick(pools.email).map((v) => `emails.value eq ${q(v)}`),
      pick(pools.email).map((v) => `emails[value eq ${q(v)} and type eq "home"]`),
      fc
        .tuple(fc.constantFrom('eq', 'gt', 'ge', 'lt', 'le', 'ne'), pick(pools.title))
        .map(([op, v]) => `title ${op} ${q(v)}`),
      fc.constantFrom(
        'active eq true',
        'active eq false',
        'active eq "True"',
        'active pr',
        'title pr',
        'not (active eq true)',
      ),
      fc
        .tuple(
          fc.constantFrom('gt', 'ge', 'lt', 'le', 'eq'),
          fc.oneof(fc.constantFrom(...pools.lastModified), fc.constantFrom('2000-01-01T05:00:00+05:00', '2999-12-31')),
        )
        .map(([op, v]) => `meta.lastModified ${op} ${q(v)}`),
      fc.constantFrom(
        'userName sw "a"',
        'name.givenName eq "ann"',
        'name.givenName co "mil"',
        'userName ew "0@contoso.com"',
        'name.familyName pr',
        'name.familyName gt "m"',
      ),
      fc.constantFrom(
        'title eq null',
        'title ne null',
        'externalId eq null',
        'emails eq null',
        'emails[type eq "home"] and not (emails[type eq "work"])',
      ),
      fc
        .tuple(
          fc.constantFrom(`${U}:userName`, 'USERNAME', `${U}:emails.value`),
          pick(pools.userName.concat(pools.email)),
        )
        .map(([path, v]) => `${path} eq ${q(v)}`),
      fc.constantFrom('1', '10', 'a7').map((v) => `${EU}:employeeNumber eq ${q(v)}`),
      pick(pools.groupId).map((v) => `groups.value eq ${q(v)}`),
      pick(pools.groupId).map((v) => `groups[value eq ${q(v)}]`),
    );

  const combine = (leaf: fc.Arbitrary<string>) =>
    fc.letrec<{ f: string }>((tie) => ({
      f: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
        tie('f').map((a) => `not (${a})`),
      ),
    })).f;

  const naive = (resources: JsonObject[], f: Filter, schema = user) =>
    resources
      .filter((r) => matches(f, r, schema))
      .map((r) => r.id)
      .sort();
  const served = async (endpoint: string, filter: string) =>
    (await everything(endpoint, `filter=${encodeURIComponent(filter)}`)).map((r) => r.id).sort();

  describe('planned results equal a naive evaluation', () => {
    it(
      'for users',
      async () => {
        await fc.assert(
          fc.asyncProperty(combine(userLeaf()), async (filter) => {
            expect(await served('/Users', filter)).toEqual(naive(allUsers, parseFilter(filter)));
          }),
          { numRuns: runs(150), seed: 20261123 },
        );
      },
      timeoutMs,
    );

    it(
      'for users sorted, in the same total order as sorting the naive result, across cursor pages',
      async () => {
        const sorts = fc.tuple(
          fc.constantFrom(
            'userName',
            'externalId',
            'title',
            'emails',
            'name.familyName',
            'meta.lastModified',
            `${EU}:employeeNumber`,
          ),
          fc.constantFrom('ascending', 'Descending'),
        );
        await fc.assert(
          fc.asyncProperty(
            combine(userLeaf()),
            sorts,
            fc.integer({ min: 1, max: 60 }),
            async (filter, [by, order], count) => {
              const spec = parseSort(by, order, user)!;
              const expected = sortBy(
                allUsers.filter((r) => matches(parseFilter(filter), r, user)),
                spec,
                (r) => sortKey(r, spec),
                (r) => r.id as string,
              ).map((r) => r.id);
              const query = `filter=${encodeURIComponent(filter)}&sortBy=${encodeURIComponent(by)}&sortOrder=${order}`;
              expect((await everything('/Users', query, count)).map((r) => r.id)).toEqual(expected);
            },
          ),
          { numRuns: runs(40), seed: 7071 },
        );
      },
      timeoutMs,
    );

    it(
      'for groups, including member filters',
      async () => {
        const groupLeaf = fc.oneof(
          pick(pools.displayName).map((v) => `displayName eq ${q(v)}`),
          pick(pools.id).map((v) => `members.value eq ${q(v)}`),
          pick(pools.id).map((v) => `members[value eq ${q(v)}]`),
          fc.constantFrom(
            'externalId eq "G-1"',
            'externalId eq "g-1"',
            'displayName sw "s"',
            'meta.created gt "2000-01-01T00:00:00Z"',
          ),
        );
        // The naive side needs the members, which listings leave out unless asked for.
        const withMembers = await Promise.all(
          allGroups.map(async (g) => (await s.scim('GET', `/Groups/${g.id as string}`)).body),
        );
        await fc.assert(
          fc.asyncProperty(combine(groupLeaf), async (filter) => {
            expect(await served('/Groups', filter)).toEqual(naive(withMembers, parseFilter(filter), group));
          }),
          { numRuns: runs(80), seed: 11 },
        );
      },
      timeoutMs,
    );
  });
}
