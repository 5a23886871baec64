import { randomBytes } from 'node:crypto';
import { readSettings } from '../../shared/config';
import { createRuntime, Runtime } from '../../shared/runtime';
import { scimEndpoint } from '../../shared/http/pipeline';
import { resourceEndpoint } from '../../shared/http/resourceEndpoint';
import { ScimHttpRequest } from '../../shared/http/scimHttp';
import { DEFAULT_TENANT } from '../../shared/auth/tenantId';
import { startStorage } from './storageProcess';
import { percentile, timed } from './benchService';
import { entraToken, signingKey, startKeySetServer } from '../fakes/fakeEntraKeys';
import { startFakeKeyVault } from '../fakes/fakeKeyVault';

/**
 * `npm run bench:auth -- [samples=2000]`: what authentication costs per request with a warm cache, per kind of
 * token, next to the same request with authentication skipped — measured in one run, interleaved sample by sample
 * so that drift hits both columns alike. The request is `GET /Users/{id}` through the real pipeline and store
 * on the patched Azurite in its own process, called in-process (HTTP would add the same constant to both columns).
 * Skipping authentication is only possible here: the pipeline takes its runtime from this script.
 */
const samples = Number(process.argv[2] ?? 2000);
const ENTRA_TID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

async function main() {
  const azurite = await startStorage();
  const vault = await startFakeKeyVault();
  const jwks = await startKeySetServer([await signingKey('bench-key')]);
  const settingsToken = randomBytes(32).toString('base64url');
  const base = readSettings({
    SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    SCIM_TOKEN: settingsToken,
    SCIM_ENTRA_TENANTS: JSON.stringify({ [DEFAULT_TENANT]: ENTRA_TID }),
    SCIM_ENTRA_JWKS_URL: jwks.url,
  });
  const tableRt = createRuntime(base);
  const vaultRt = createRuntime({ ...base, SCIM_KEY_VAULT_URL: vault.url });
  const skipped: Runtime = { ...tableRt, auth: { authenticate: async () => 'auth-skipped', knows: () => true } };

  const user = await tableRt.repository.resources.create(
    DEFAULT_TENANT,
    'User',
    { userName: 'bench.auth@contoso.com', active: true },
    'bench',
    { correlationId: 'bench', tokenId: 'bench' },
  );
  const tableToken = randomBytes(32).toString('base64url');
  await tableRt.tokens.issue(DEFAULT_TENANT, tableToken);
  const vaultToken = randomBytes(32).toString('base64url');
  await vaultRt.tokens.issue(DEFAULT_TENANT, vaultToken);
  const jwt = await entraToken(jwks.keys[0], ENTRA_TID);

  const log = { warn: () => undefined, error: (...args: unknown[]) => console.error(...args) };
  const handler = (rt: Runtime) =>
    scimEndpoint(
      resourceEndpoint((ports) => ports.schemas.user),
      () => rt,
    );
  const get = (rt: Runtime, token: string) => {
    const handle = handler(rt);
    const url = new URL(`http://127.0.0.1/scim/v2/Users/${user.meta.id}`);
    const req: ScimHttpRequest = {
      method: 'GET',
      url: url.toString(),
      headers: new Headers({ authorization: `Bearer ${token}` }),
      query: url.searchParams,
      params: { id: user.meta.id },
      text: async () => '',
    };
    return async () => {
      const res = await handle(req, log);
      if (res.status !== 200) throw new Error(`GET → ${res.status} ${res.body}`);
    };
  };

  const kinds: [string, Runtime, string][] = [
    ['Secret Token from settings', tableRt, settingsToken],
    ['Secret Token issued to the table', tableRt, tableToken],
    ['Secret Token in Key Vault (fake KV protocol)', vaultRt, vaultToken],
    ['Entra-issued JWT (RS256, local key set)', tableRt, jwt],
  ];
  const noAuth = get(skipped, 'unused');
  console.log(
    `p50 of ${samples} requests per column, GET /Users/{id} in-process, Azurite in its own process, warm caches, Node ${process.version}\n`,
  );
  console.log('| token | with auth ms | auth skipped ms | auth cost ms | authenticate() alone ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, rt, token] of kinds) {
    const withAuth = get(rt, token);
    for (let i = 0; i < 50; i++) await Promise.all([withAuth(), noAuth()]); // warm caches and JIT
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < samples; i++) {
      a.push(await timed(withAuth));
      b.push(await timed(noAuth));
    }
    const alone: number[] = [];
    for (let i = 0; i < samples; i++) alone.push(await timed(() => rt.auth.authenticate(DEFAULT_TENANT, token)));
    const [pa, pb, pc] = [percentile(a, 50), percentile(b, 50), percentile(alone, 50)];
    console.log(`| ${name} | ${pa.toFixed(3)} | ${pb.toFixed(3)} | ${(pa - pb).toFixed(3)} | ${pc.toFixed(4)} |`);
  }
  console.log(
    `\nKey Vault requests during the measurement: ${vault.requestCount()} (all from the first, cold request and the issue)`,
  );
  await jwks.close();
  await vault.close();
  await azurite.close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
