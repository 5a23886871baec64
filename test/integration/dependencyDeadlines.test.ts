import { TableTransaction } from '@azure/data-tables';
import { DependencyTimeout } from '../../shared/azureFaults';
import { storageTable } from '../../shared/azureClients';
import { secretClient } from '../../shared/auth/keyVaultClient';
import { KeyVaultTokenSource } from '../../shared/auth/keyVaultTokens';
import { PartitionTable } from '../../shared/store/partitionTable';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { FakeKeyVault, startFakeKeyVault } from '../../tools/fakes/fakeKeyVault';
import { FaultProxy, startFaultProxy } from '../support/faultProxy';

const TIMEOUT_MS = 400;

/** Rejects with what `call` threw, and how long it took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

/** Cut at the deadline: not sooner, and not for as long as the dependency stays silent (the bound is loose: shared machine). */
function expectCutAtDeadline({ error, ms }: { error: unknown; ms: number }, timeoutMs = TIMEOUT_MS) {
  expect(error).toBeInstanceOf(DependencyTimeout);
  expect(ms).toBeGreaterThanOrEqual(timeoutMs - 20);
  expect(ms).toBeLessThan(timeoutMs + 3_000);
}

describe('every Table Storage call has a deadline', () => {
  let azurite: EmbeddedAzurite;
  let proxy: FaultProxy;
  const tableVia = (timeoutMs: number) =>
    new PartitionTable(
      storageTable({
        SCIM_STORAGE_CONNECTION_STRING: proxy.via(azurite.connectionString),
        SCIM_TABLE_NAME: 'deadlines',
        SCIM_STORAGE_TIMEOUT_MS: timeoutMs,
      }),
    );
  let table: PartitionTable;

  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await startFaultProxy(azurite.connectionString.match(/TableEndpoint=(http:\/\/[^/;]+)/)![1]);
    table = tableVia(TIMEOUT_MS);
    await table.submit([...Array(3).keys()].map((i) => ['create', { partitionKey: 't', rowKey: `r${i}`, n: i }]));
  });
  afterEach(() => proxy.forward());
  afterAll(async () => {
    await proxy.close();
    await azurite.close();
  });

  it('point reads, writes, transactions and every page of a listing are cut when storage stops answering', async () => {
    proxy.blackHole();
    expectCutAtDeadline(await failure(() => table.getRow('t', 'r0')));
    expectCutAtDeadline(await failure(() => table.client.upsertEntity({ partitionKey: 't', rowKey: 'r9' })));
    const transaction = new TableTransaction();
    transaction.updateEntity({ partitionKey: 't', rowKey: 'r1', n: 10 }, 'Replace');
    expectCutAtDeadline(await failure(() => table.submit(transaction.actions)));
    expectCutAtDeadline(await failure(() => table.rangePage('t', 'r', undefined, 1)));
    // A listing's later pages get their own deadline: the first page arrives, the second is cut.
    proxy.forward();
    const pages = table.client
      .listEntities({ queryOptions: { filter: "PartitionKey eq 't'" } })
      .byPage({ maxPageSize: 1 });
    expect((await pages.next()).value).toHaveLength(1);
    proxy.blackHole();
    expectCutAtDeadline(await failure(() => pages.next()));
    proxy.forward();
    expect(await table.getRow('t', 'r0')).toMatchObject({ n: 0 });
  });

  it('bounds the SDK retries as a whole, not each try, and says what storage answered', async () => {
    proxy.fail({ status: 503, code: 'ServerBusy', message: 'The server is busy.' });
    const before = proxy.requests.length;
    const cut = await failure(() => table.getRow('t', 'r0'));
    expectCutAtDeadline(cut);
    expect(String((cut.error as Error).message)).toContain('the last try was answered 503 ServerBusy');
    expect(proxy.requests.length - before).toBeGreaterThanOrEqual(2);
  });

  it('lets the SDK finish its retries within a longer deadline and reports storage busy, not a timeout', async () => {
    const patient = tableVia(8_000);
    proxy.fail({ status: 503, code: 'ServerBusy', message: 'The server is busy.' });
    const before = proxy.requests.length;
    const { error, ms } = await failure(() => patient.getRow('t', 'r0'));
    expect(error).toMatchObject({ name: 'RestError', statusCode: 503 });
    expect(proxy.requests.length - before).toBe(4); // one try and three retries, backing off at most 1.75 s together
    expect(ms).toBeLessThan(8_000);
  });
});

describe('Key Vault writes have the same deadline', () => {
  let vault: FakeKeyVault;
  let proxy: FaultProxy;
  let source: KeyVaultTokenSource;

  beforeAll(async () => {
    vault = await startFakeKeyVault();
    proxy = await startFaultProxy(vault.url);
    source = new KeyVaultTokenSource(secretClient(proxy.url, TIMEOUT_MS));
  });
  afterAll(async () => {
    await proxy.close();
    await vault.close();
  });

  it('cuts issuing and revoking a token when the vault stops answering, and works again when it is back', async () => {
    const issued = await source.issue('acme', 'acme-deadline-0123456789abcdef');
    proxy.blackHole();
    expectCutAtDeadline(await failure(() => source.issue('acme', 'acme-hung-0123456789abcdef')));
    expectCutAtDeadline(await failure(() => source.revoke('acme', issued.id)));
    proxy.forward();
    expect(await source.revoke('acme', issued.id)).toBe(true);
  });
});
