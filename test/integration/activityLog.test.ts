import { randomUUID } from 'node:crypto';
import { ActivityTables } from '../../shared/store/activityTables';
import { Operation, RequestOutcome } from '../../shared/store/activityRecords';
import { TableActivityReader } from '../../shared/activity/reader';
import { ActivityRecorder } from '../../shared/activity/recorder';
import { tableAccount } from '../../shared/azureClients';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';

let azurite: EmbeddedAzurite;
let tables: ActivityTables;
let reader: TableActivityReader;
const recorders: ActivityRecorder[] = [];
const logs: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  tables = new ActivityTables(
    tableAccount({ SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString }),
    'testactivity',
  );
  reader = new TableActivityReader(tables);
});
afterAll(async () => {
  for (const r of recorders) await r.close();
  await azurite.close();
});

const recorder = (options: Partial<ConstructorParameters<typeof ActivityRecorder>[1]> = {}, on = tables) => {
  const r = new ActivityRecorder(on, { flushMs: 3_600_000, log: (line) => logs.push(line), ...options });
  recorders.push(r);
  return r;
};

const outcome = (at: string, fields: Partial<RequestOutcome> = {}): RequestOutcome => ({
  at,
  tenant: 'acme',
  operation: 'read',
  resourceType: 'User',
  status: 200,
  latencyMs: 4.2,
  correlationId: randomUUID(),
  ...fields,
});

const total = (rows: Array<{ count: number }>) => rows.reduce((n, r) => n + r.count, 0);
const byKey = (rows: Array<{ operation: Operation; status: number; count: number }>) =>
  Object.fromEntries(
    Object.entries(
      rows.reduce<Record<string, number>>(
        (m, r) => ({ ...m, [`${r.operation} ${r.status}`]: (m[`${r.operation} ${r.status}`] ?? 0) + r.count }),
        {},
      ),
    ),
  );

describe('the activity log in Table Storage (Azurite)', () => {
  it('stores failures one by one before answering and counts successes per minute at the flush', async () => {
    const r = recorder();
    await r.observe(outcome('2026-03-02T10:00:05.000Z'));
    await r.observe(outcome('2026-03-02T10:00:40.000Z', { operation: 'create', status: 201 }));
    const failure = outcome('2026-03-02T10:01:30.500Z', {
      operation: 'create',
      status: 409,
      scimType: 'uniqueness',
      detail: 'A User with userName "…" already exists.',
    });
    await r.observe(failure);
    expect(r.stats.failuresStored).toBe(1);
    const window: [Date, Date] = [new Date('2026-03-02T10:00:00Z'), new Date('2026-03-02T11:00:00Z')];
    // Before the flush only the failure is visible; successes are in this instance's memory.
    expect(await reader.counts('acme', ...window)).toEqual([
      { tenant: 'acme', minute: '2026-03-02T10:01:00.000Z', operation: 'create', status: 409, count: 1 },
    ]);
    expect(await reader.failures('acme', ...window, 20)).toEqual([{ ...failure }]);
    await r.flush();
    expect(await reader.counts('acme', ...window)).toEqual([
      { tenant: 'acme', minute: '2026-03-02T10:00:00.000Z', operation: 'create', status: 201, count: 1 },
      { tenant: 'acme', minute: '2026-03-02T10:00:00.000Z', operation: 'read', status: 200, count: 1 },
      { tenant: 'acme', minute: '2026-03-02T10:01:00.000Z', operation: 'create', status: 409, count: 1 },
    ]);
    expect(await reader.tenants(...window)).toEqual(['acme']);
  });

  it('adds up the counts of instances writing the same minute concurrently, across several flushes', async () => {
    const [a, b, c] = [recorder(), recorder(), recorder()];
    const at = (i: number) => `2026-03-03T08:15:${String(i % 60).padStart(2, '0')}.000Z`;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 150; i++)
        for (const r of [a, b, c]) void r.observe(outcome(at(i), { tenant: 'globex', operation: 'match' }));
      await Promise.all([a.flush(), b.flush(), c.flush()]);
    }
    for (let i = 0; i < 7; i++) await a.observe(outcome(at(i), { tenant: 'globex', operation: 'match', status: 401 }));
    const rows = await reader.counts('globex', new Date('2026-03-03T08:00:00Z'), new Date('2026-03-03T09:00:00Z'));
    expect(byKey(rows)).toEqual({ 'match 200': 3 * 3 * 150, 'match 401': 7 });
  });

  it('reads only the window asked for, across day tables, newest failures first and at most the limit', async () => {
    const r = recorder();
    const late = outcome('2026-03-04T23:59:59.900Z', { tenant: 'initech', status: 500, operation: 'update' });
    const early = outcome('2026-03-05T00:00:00.100Z', { tenant: 'initech', status: 503, operation: 'delete' });
    const next = outcome('2026-03-05T00:02:00.000Z', { tenant: 'initech', status: 400, operation: 'create' });
    for (const o of [late, early, next]) await r.observe(o);
    await r.observe(outcome('2026-03-05T00:00:10.000Z', { tenant: 'initech' }));
    await r.flush();
    expect((await tables.existing()).map((t) => t.name)).toEqual(
      expect.arrayContaining(['testactivity20260304', 'testactivity20260305']),
    );
    const failures = await reader.failures(
      'initech',
      new Date('2026-03-04T23:00:00Z'),
      new Date('2026-03-05T01:00:00Z'),
      10,
    );
    expect(failures.map((f) => f.correlationId)).toEqual([next, early, late].map((o) => o.correlationId));
    expect(
      (await reader.failures('initech', new Date('2026-03-04T23:00:00Z'), new Date('2026-03-05T01:00:00Z'), 2)).map(
        (f) => f.status,
      ),
    ).toEqual([400, 503]);
    expect(
      (
        await reader.failures('initech', new Date('2026-03-05T00:00:00.100Z'), new Date('2026-03-05T00:02:00Z'), 10)
      ).map((f) => f.status),
    ).toEqual([503]);
    expect(
      total(await reader.counts('initech', new Date('2026-03-05T00:00:00Z'), new Date('2026-03-05T00:01:00Z'))),
    ).toBe(2);
    expect(
      total(await reader.counts('initech', new Date('2026-03-04T23:59:00Z'), new Date('2026-03-05T00:03:00Z'))),
    ).toBe(4);
    expect(await reader.counts('acme', new Date('2026-03-05T00:00:00Z'), new Date('2026-03-06T00:00:00Z'))).toEqual([]);
    expect(await reader.counts('initech', new Date('2025-01-01T00:00:00Z'), new Date('2025-01-02T00:00:00Z'))).toEqual(
      [],
    );
  });

  it('lists exactly the tenants with requests in the window, even when it cuts an hour', async () => {
    const r = recorder();
    await r.observe(outcome('2026-03-06T09:10:00.000Z', { tenant: 'hooli' }));
    await r.observe(outcome('2026-03-06T09:50:00.000Z', { tenant: 'umbrella', status: 404 }));
    await r.flush();
    expect(await reader.tenants(new Date('2026-03-06T00:00:00Z'), new Date('2026-03-07T00:00:00Z'))).toEqual([
      'hooli',
      'umbrella',
    ]);
    expect(await reader.tenants(new Date('2026-03-06T09:30:00Z'), new Date('2026-03-06T10:30:00Z'))).toEqual([
      'umbrella',
    ]);
    expect(await reader.tenants(new Date('2026-03-06T09:00:00Z'), new Date('2026-03-06T09:20:00Z'))).toEqual(['hooli']);
    expect(await reader.tenants(new Date('2026-03-06T10:00:00Z'), new Date('2026-03-06T11:00:00Z'))).toEqual([]);
  });

  it('stores at most the per-minute budget of failures one by one and counts the rest', async () => {
    const r = recorder({ failureRowsPerMinute: 3 });
    for (let i = 0; i < 10; i++)
      await r.observe(outcome(`2026-03-07T12:00:${String(i).padStart(2, '0')}.000Z`, { tenant: 'flood', status: 401 }));
    await r.flush();
    const window: [Date, Date] = [new Date('2026-03-07T12:00:00Z'), new Date('2026-03-07T12:01:00Z')];
    expect(await reader.failures('flood', ...window, 100)).toHaveLength(3);
    expect(byKey(await reader.counts('flood', ...window))).toEqual({ 'read 401': 10 });
  });

  it('when the log store is down: a failure waits at most ~200 ms, is counted and logged, and never rejects', async () => {
    const dead = await startAzurite();
    const deadTables = new ActivityTables(
      tableAccount({ SCIM_STORAGE_CONNECTION_STRING: dead.connectionString }),
      'testactivity',
    );
    await dead.close();
    const r = recorder({}, deadTables);
    const started = Date.now();
    await r.observe(outcome(new Date().toISOString(), { status: 500 }));
    expect(Date.now() - started).toBeLessThan(400);
    await r.observe(outcome(new Date().toISOString()));
    await r.flush(); // rejected writes stay in memory
    await new Promise((ok) => setTimeout(ok, 3_000)); // the first write's background retry gives up
    expect(r.stats).toMatchObject({ failuresStored: 0, failuresLost: 1 });
    // Once a record was lost, further failures are counted without waiting for the store.
    const t = Date.now();
    await r.observe(outcome(new Date().toISOString(), { status: 500 }));
    expect(Date.now() - t).toBeLessThan(50);
    expect(r.stats).toMatchObject({ failuresStored: 0, failuresLost: 1 });
    expect(logs.join('\n')).toMatch(/activity log: failure record .* could not be stored \(RestError/);
    expect(logs.join('\n')).toMatch(/activity log: could not write request counts/);
  });
});
