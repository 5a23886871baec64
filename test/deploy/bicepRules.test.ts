import { BicepFile, infraFiles, parseBicep, syntaxErrors } from './bicep';
import { RULES, ROLE_SCOPES, roleTable, rolesNamed } from './bicepRules';

/**
 * Offline checks of infra/: no Bicep compiler can be installed here, so the tree-sitter-bicep grammar parses each
 * file and lint rules walk the trees. A CI with internet should add `az bicep build` and a what-if (docs/operations.md#deploy-to-azure).
 */
let files: BicepFile[];

beforeAll(async () => {
  files = await infraFiles();
});

describe('the templates in infra/', () => {
  it('are all found, the azd entry point among them', () => {
    expect(files.map((f) => f.path)).toContain('infra/main.bicep');
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it('parse with no ERROR or MISSING node', () => {
    expect(files.flatMap(syntaxErrors)).toEqual([]);
  });

  it.each(Object.keys(RULES))('pass %s', (rule) => {
    expect(files.flatMap(RULES[rule])).toEqual([]);
  });

  it('name each role by its documented built-in id', () => {
    // https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (ids are the same in every tenant).
    expect(roleTable(files.find((f) => f.path.endsWith('roles.bicep'))!)).toEqual({
      storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
      storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
      keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
      keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
      monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
      communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350',
    });
  });

  it('grant exactly the roles the app and the deploying user need, nothing at resource-group scope', () => {
    const granted = new Set(files.flatMap((f) => rolesNamed(f).map((r) => r.name)));
    expect([...granted].sort()).toEqual(Object.keys(ROLE_SCOPES).sort());
    const assignments = files.flatMap((f) =>
      f.resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments'),
    );
    expect(assignments.length).toBeGreaterThanOrEqual(4);
  });
});

/** Each rule must fire on the violation it exists for, or it proves nothing when infra/ passes. */
describe('each rule, shown a planted violation', () => {
  const plant = (text: string) => parseBicep('planted.bicep', text);
  const findings = async (rule: string, text: string) => RULES[rule](await plant(text));

  it.each([
    [
      'apiVersionsPinned',
      `resource st 'Microsoft.Storage/storageAccounts' = { name: 'x' }`,
      /API version must be a pinned/,
    ],
    [
      'apiVersionsPinned',
      `resource st 'Microsoft.Storage/storageAccounts@2023-01-01-preview' = { name: 'x' }`,
      /pinned stable date/,
    ],
    ['secretParametersSecure', `param adminPassword string`, /adminPassword holds a secret and needs @secure/],
    ['secretParametersSecure', `@secure()\nparam scimToken string = 'abc'`, /must not have a default/],
    ['noKeys', `output c string = st.listKeys().keys[0].value`, /listKeys\(\) reads keys/],
    ['noKeys', `var c = 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=\${k}'`, /keyed connection string/],
    ['noSecretOutputs', `output storageAccountKey string = st.name`, /looks like a secret/],
    ['noSecretOutputs', `@secure()\nparam p string\noutput value string = p`, /exposes secure parameter p/],
    [
      'functionAppHardened',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { httpsOnly: false, siteConfig: { minTlsVersion: '1.2' }, functionAppConfig: { runtime: { name: 'node', version: '22' } } } }`,
      /httpsOnly must be true, is false/,
    ],
    [
      'functionAppHardened',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { httpsOnly: true, siteConfig: { minTlsVersion: '1.0' }, functionAppConfig: { runtime: { name: 'node', version: '22' } } } }`,
      /minTlsVersion must be 1.2 or 1.3, is 1.0/,
    ],
    [
      'functionAppHardened',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { httpsOnly: true, siteConfig: { minTlsVersion: '1.2' }, functionAppConfig: { runtime: { name: 'node', version: '20' } } } }`,
      /runtime.version must be 22, is 20/,
    ],
    [
      'flexConsumptionSupported',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { siteConfig: { ftpsState: 'Disabled' } } }`,
      /site property ftpsState is not supported on Flex/,
    ],
    [
      'flexConsumptionSupported',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { siteConfig: { linuxFxVersion: 'Node|22' } } }`,
      /site property linuxFxVersion/,
    ],
    [
      'flexConsumptionSupported',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { siteConfig: { use32BitWorkerProcess: false } } }`,
      /site property use32BitWorkerProcess/,
    ],
    [
      'flexConsumptionSupported',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', properties: { siteConfig: { appSettings: [{ name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }] } } }`,
      /app setting FUNCTIONS_WORKER_RUNTIME is not supported on Flex/,
    ],
    [
      'flexConsumptionSupported',
      `resource c 'Microsoft.Web/sites/config@2024-04-01' = { name: 'appsettings', properties: { FUNCTIONS_EXTENSION_VERSION: '~4' } }`,
      /app setting FUNCTIONS_EXTENSION_VERSION/,
    ],
    [
      'flexConsumptionSupported',
      `resource c 'Microsoft.Web/sites/config@2024-04-01' = { name: 'appsettings', properties: { website_run_from_package: '1' } }`,
      /app setting website_run_from_package/,
    ],
    [
      'flexConsumptionSupported',
      `resource c 'Microsoft.Web/sites/config@2024-04-01' = { name: 'appsettings', properties: { WEBSITE_CONTENTSHARE: 'x', WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: 'x' } }`,
      /WEBSITE_CONTENTSHARE[^]*WEBSITE_CONTENTAZUREFILECONNECTIONSTRING/,
    ],
    [
      'flexConsumptionSupported',
      `resource c 'Microsoft.Web/sites/config@2024-04-01' = { name: 'appsettings', properties: { WEBSITE_NODE_DEFAULT_VERSION: '~22' } }`,
      /app setting WEBSITE_NODE_DEFAULT_VERSION/,
    ],
    [
      'flexConsumptionSupported',
      `resource w 'Microsoft.Web/sites/config@2024-04-01' = { name: 'web', properties: { alwaysOn: true } }`,
      /site property alwaysOn/,
    ],
    [
      'storageLockedDown',
      `resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: 'x', properties: { allowSharedKeyAccess: true, allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2', supportsHttpsTrafficOnly: true } }`,
      /allowSharedKeyAccess must be false, is true/,
    ],
    [
      'storageLockedDown',
      `resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: 'x', properties: { allowSharedKeyAccess: false, allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true } }`,
      /minimumTlsVersion must be TLS1_2 or TLS1_3, is not set/,
    ],
    [
      'keyVaultRbacOnly',
      `resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = { name: 'x', properties: { enableRbacAuthorization: false, enableSoftDelete: true } }`,
      /enableRbacAuthorization must be true/,
    ],
    [
      'keyVaultRbacOnly',
      `resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = { name: 'x', properties: { enableRbacAuthorization: true, enableSoftDelete: true, accessPolicies: [] } }`,
      /access policies bypass RBAC/,
    ],
    [
      'localAuthDisabled',
      `resource ai 'Microsoft.Insights/components@2020-02-02' = { name: 'x', properties: { DisableLocalAuth: false } }`,
      /DisableLocalAuth must be true/,
    ],
    [
      'roleAssignmentsScoped',
      `import { roles } from 'roles.bicep'\nresource rg2 'Microsoft.Resources/resourceGroups@2021-04-01' existing = { name: 'x' }\nresource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = { name: 'x', scope: rg2, properties: { roleDefinitionId: roles.storageTableDataContributor } }`,
      /storageTableDataContributor must be granted at Microsoft.Storage\/storageAccounts, not Microsoft.Resources\/resourceGroups/,
    ],
    [
      'roleAssignmentsScoped',
      `resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = { name: 'x', properties: { roleDefinitionId: 'x' } }`,
      /needs a scope/,
    ],
    [
      'roleAssignmentsScoped',
      `resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: 'x' }\nresource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = { name: 'x', scope: st, properties: { roleDefinitionId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' } }`,
      /must come from roles.bicep/,
    ],
  ])('%s fires', async (rule, text, message) => {
    const planted = await plant(text);
    expect(syntaxErrors(planted)).toEqual([]);
    expect((await findings(rule, text)).join('\n')).toMatch(message);
  });

  it('and the parse check fires on broken syntax, with the position', async () => {
    expect(
      syntaxErrors(
        await plant(
          `resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n  properties: { allowSharedKeyAccess false }\n}`,
        ),
      )[0],
    ).toMatch(/^planted\.bicep:3:/);
  });
});
