import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSettings } from '../../shared/config';
import { appSettingsSetBy, BicepFile, INFRA, parseBicep } from './bicep';
import { parameterDeclarations, resolveParameters, typeProblem } from './azdParameters';
import { BicepValue, evaluate, moduleParams, templateScope, UNKNOWN } from './bicepValue';
import { envsubst } from './envsubst';

/**
 * infra/main.parameters.json resolved as `azd provision` resolves it (test/deploy/azdParameters.ts follows
 * Azure/azure-dev cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go; test/deploy/envsubst.ts follows
 * drone/envsubst v1.0.3), with every variable unset and with each set, and followed through main.bicep into the
 * app settings infra/app/functionApp.bicep writes, which the app's own schema (shared/config.ts) must accept.
 */
const PARAMETERS = readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');
const PRINCIPAL = { id: '5b0c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4', type: 'User' };
/** azd's own variables: `azd env new` sets the name, `azd up` asks for the location once. */
const AZD_ENV = { AZURE_ENV_NAME: 'scim-prod', AZURE_LOCATION: 'swedencentral' };
const SPOKE_EXTENSIONS = [
  {
    id: 'urn:ietf:params:scim:schemas:extension:SpokeCustom:2.0:User',
    resourceType: 'User',
    attributes: [{ name: 'startDate', type: 'string' }],
  },
];
const ENTRA_JOBS = {
  default: {
    servicePrincipalId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
    jobId: 'scim.7f3e2d1c0b9a48f7a6b5c4d3e2f1a0b9.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  },
  contoso: {
    servicePrincipalId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    jobId: 'scim.00112233445566778899aabbccddeeff.1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  },
};
/** A realistic value for every variable the parameters file names. */
const EVERY_VARIABLE_SET: Record<string, string> = {
  ...AZD_ENV,
  RESTRICT_TO_ENTRA: 'true',
  OPERATOR_IP_RANGES: '203.0.113.0/24,198.51.100.7/32',
  EXISTING_KEY_VAULT_NAME: 'kv-shared-ops',
  EXISTING_KEY_VAULT_RESOURCE_GROUP: 'rg-shared-ops',
  EXISTING_STORAGE_ACCOUNT_NAME: 'stsharedops',
  EXISTING_STORAGE_ACCOUNT_RESOURCE_GROUP: 'rg-shared-ops',
  KEY_VAULT_PURGE_PROTECTION: 'false',
  SCIM_EXTENSIONS: JSON.stringify(SPOKE_EXTENSIONS),
  SCIM_NOTIFY_TO: 'idm-ops@contoso.com, security@contoso.com',
  SCIM_ENTRA_JOBS: JSON.stringify(ENTRA_JOBS),
  SCIM_CHANGES_QUEUE: 'scim-changes',
};
/** What each set variable must arrive as, by parameter. */
const EXPECTED: Record<string, BicepValue> = {
  environmentName: 'scim-prod',
  location: 'swedencentral',
  principalId: PRINCIPAL.id,
  principalType: 'User',
  restrictToEntra: true,
  operatorIpRanges: '203.0.113.0/24,198.51.100.7/32',
  existingKeyVaultName: 'kv-shared-ops',
  existingKeyVaultResourceGroup: 'rg-shared-ops',
  existingStorageAccountName: 'stsharedops',
  existingStorageAccountResourceGroup: 'rg-shared-ops',
  keyVaultPurgeProtection: false,
  scimExtensions: SPOKE_EXTENSIONS,
  notifyTo: 'idm-ops@contoso.com, security@contoso.com',
  entraJobs: ENTRA_JOBS,
  changesQueueName: 'scim-changes',
};

let main: BicepFile;
let functionApp: BicepFile;

beforeAll(async () => {
  main = await parseBicep('infra/main.bicep', readFileSync(join(INFRA, 'main.bicep'), 'utf8'));
  functionApp = await parseBicep(
    'infra/app/functionApp.bicep',
    readFileSync(join(INFRA, 'app', 'functionApp.bicep'), 'utf8'),
  );
});

const resolve = (env: Record<string, string>) =>
  resolveParameters(PARAMETERS, parameterDeclarations(main), env, PRINCIPAL);

/** The app settings these parameters decide (settings fed by resource outputs stay unknown and are left out). */
function appSettings(env: Record<string, string>): Record<string, string> {
  const given = new Map([...resolve(env)].map(([name, p]): [string, BicepValue] => [name, p.value]));
  const appParams = moduleParams(main, 'app/functionApp.bicep', templateScope(main, given));
  const scope = templateScope(functionApp, appParams);
  const settings: Record<string, string> = {};
  for (const { name, node } of appSettingsSetBy(functionApp)) {
    const value = evaluate(node.namedChildren[1]!, scope);
    if (value === UNKNOWN) continue;
    if (typeof value !== 'string')
      throw new Error(`app setting ${name} is ${JSON.stringify(value)}, not a string: ARM rejects it`);
    settings[name] = value;
  }
  return settings;
}

/** What the app reads in Azure, the endpoints (resource outputs) filled in as the deployment would. */
const readInAzure = (settings: Record<string, string>) =>
  readSettings({
    SCIM_TABLE_ENDPOINT: 'https://stabc.table.core.windows.net',
    SCIM_QUEUE_ENDPOINT: 'https://stabc.queue.core.windows.net',
    ...settings,
  });

describe('infra/main.parameters.json as azd resolves it', () => {
  it('names a parameter of main.bicep in every entry, and every variable it uses has a realistic value here', () => {
    const declared = parameterDeclarations(main).map((d) => d.name);
    const entries = Object.keys(JSON.parse(PARAMETERS).parameters as object);
    expect(entries.filter((name) => !declared.includes(name))).toEqual([]);
    const variables = [...PARAMETERS.matchAll(/\$\{([A-Za-z_]\w*)/g)]
      .map((m) => m[1])
      .filter((v) => !/^AZURE_PRINCIPAL_(ID|TYPE)$/.test(v));
    expect(variables.filter((v) => !(v in EVERY_VARIABLE_SET))).toEqual([]);
    expect(Object.keys(EXPECTED).sort()).toEqual(entries.sort());
  });

  it('with every variable set: each parameter arrives as its value, typed as main.bicep declares it', () => {
    const resolved = resolve(EVERY_VARIABLE_SET);
    const declarations = parameterDeclarations(main);
    for (const [name, expected] of Object.entries(EXPECTED)) {
      expect({ name, ...resolved.get(name) }).toEqual({ name, value: expected, fromDefault: false });
    }
    expect(declarations.map((d) => typeProblem(d, resolved.get(d.name)!.value)).filter(Boolean)).toEqual([]);
  });

  it("with only azd's own variables set: every optional parameter takes main.bicep's default, none is prompted for", () => {
    const resolved = resolve(AZD_ENV);
    const declarations = parameterDeclarations(main);
    const fromFile = Object.keys(EXPECTED).filter(
      (name) => !['environmentName', 'location', 'principalId', 'principalType'].includes(name),
    );
    // Defaults written into the parameters file (`${X=false}`) count as given; the rest fall back to the template.
    const defaulted = fromFile.filter((name) => resolved.get(name)!.fromDefault);
    expect(defaulted.sort()).toEqual(
      [
        'entraJobs',
        'existingKeyVaultName',
        'existingKeyVaultResourceGroup',
        'existingStorageAccountName',
        'existingStorageAccountResourceGroup',
        'notifyTo',
        'operatorIpRanges',
        'scimExtensions',
        'changesQueueName',
      ].sort(),
    );
    expect(resolved.get('restrictToEntra')!.value).toBe(false);
    expect(resolved.get('keyVaultPurgeProtection')!.value).toBe(true);
    expect(resolved.get('scimExtensions')!.value).toEqual([]);
    expect(resolved.get('entraJobs')!.value).toEqual({});
    expect(declarations.map((d) => typeProblem(d, resolved.get(d.name)!.value)).filter(Boolean)).toEqual([]);
  });

  it.each([
    ['every variable set', EVERY_VARIABLE_SET],
    ["only azd's own variables set", AZD_ENV],
  ])("with %s: the app settings the parameters lead to are accepted by the app's settings schema", (_label, env) => {
    const settings = appSettings(env);
    expect(Object.keys(settings)).toEqual(
      expect.arrayContaining(['SCIM_EXTENSIONS', 'SCIM_NOTIFY_TO', 'SCIM_ENTRA_JOBS']),
    );
    const read = readInAzure(settings);
    const set = env === EVERY_VARIABLE_SET;
    expect(read.SCIM_EXTENSIONS.map((e) => [e.id, e.attributes.map((a) => a.name)])).toEqual(
      set ? [[SPOKE_EXTENSIONS[0].id, ['startDate']]] : [],
    );
    expect(read.SCIM_ENTRA_JOBS).toEqual(set ? ENTRA_JOBS : {});
    expect(read.SCIM_NOTIFY_TO).toEqual(set ? ['idm-ops@contoso.com', 'security@contoso.com'] : []);
    expect(read.SCIM_CHANGES_QUEUE).toBe(set ? 'scim-changes' : undefined);
  });
});

describe('the emulation catches what broke `azd provision` before', () => {
  const declare = async (text: string) => parameterDeclarations(await parseBicep('planted.bicep', text));
  const file = (value: string) => JSON.stringify({ parameters: { p: { value } } });

  it('a JSON value in a string parameter breaks the parameters file (path B substitutes into its JSON text)', async () => {
    const declarations = await declare(`param p string = '{}'`);
    expect(() =>
      resolveParameters(
        file('${SCIM_ENTRA_JOBS}'),
        declarations,
        { SCIM_ENTRA_JOBS: JSON.stringify(ENTRA_JOBS) },
        PRINCIPAL,
      ),
    ).toThrow(/error unmarshalling/);
  });

  it('`${X={}}` leaves a stray `}` once X is set: the default ends at the first brace', async () => {
    const declarations = await declare('param p object = {}');
    expect(resolveParameters(file('${SCIM_ENTRA_JOBS={}}'), declarations, {}, PRINCIPAL).get('p')!.value).toEqual({});
    expect(() =>
      resolveParameters(
        file('${SCIM_ENTRA_JOBS={}}'),
        declarations,
        { SCIM_ENTRA_JOBS: '{"a":{"servicePrincipalId":"x","jobId":"y"}}' },
        PRINCIPAL,
      ),
    ).toThrow(/'\{"a":\{"servicePrincipalId":"x","jobId":"y"\}\}\}' is not valid JSON/);
  });

  it('a bool that Go cannot parse silently falls back to the template default', async () => {
    const declarations = await declare('param p bool = true');
    expect(resolveParameters(file('${FLAG=false}'), declarations, { FLAG: 'yes' }, PRINCIPAL).get('p')).toEqual({
      value: true,
      fromDefault: true,
    });
  });
});

describe('envsubst as drone/envsubst v1.0.3 evaluates it', () => {
  const env: Record<string, string> = { SET: 'value', EMPTY: '' };
  const run = (text: string) => envsubst(text, (name) => env[name] ?? '');
  it.each([
    ['${SET}', 'value'],
    ['${UNSET}', ''],
    ['${UNSET=fallback}', 'fallback'],
    ['${EMPTY=fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${SET:-fallback}', 'value'],
    ['${UNSET={}}', '{}'],
    ['${SET={}}', 'value}'],
    ['${UNSET=${SET}-x}', 'value-x'],
    ['$${SET} costs $$5', '${SET} costs $5'],
    ['a\\\\b\\/c', 'a\\b/c'],
  ])('%s → %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  it('refuses what it does not emulate instead of guessing', () => {
    expect(() => run('${SET,,}')).toThrow(/not emulated/);
    expect(() => run('${SET=unterminated')).toThrow(/unable to parse/);
  });
});
