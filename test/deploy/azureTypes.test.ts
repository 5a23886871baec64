import { BicepFile, infraFiles, parseBicep } from './bicep';
import { AZURE_TYPES, typeFindings } from './azureTypes';

/** infra/ against Azure's resource type definitions (test/fixtures/azureTypes.json, from Azure/bicep-types-az). */
let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

describe("the templates against Azure's resource type definitions", () => {
  it('use only type@apiVersion pairs that exist, with known property names, writable properties and allowed values', () => {
    expect(files.flatMap(typeFindings)).toEqual([]);
  });

  it('were vendored from a recorded commit of Azure/bicep-types-az', () => {
    expect(AZURE_TYPES.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each([
    [
      'a misspelt property',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', location: 'l', properties: { functionAppConfg: {} } }`,
      /unknown property 'functionAppConfg'/,
    ],
    [
      'a nested one',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', location: 'l', properties: { siteConfig: { minTlsVersoin: '1.2' } } }`,
      /properties.siteConfig: unknown property 'minTlsVersoin'/,
    ],
    [
      'a value outside a closed enum',
      `resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = { name: 'x', location: 'l', properties: { tenantId: 't', sku: { family: 'A', name: 'gold' } } }`,
      /sku.name: 'gold' is not one of 'standard', 'premium'/,
    ],
    [
      'a string for a boolean',
      `resource s 'Microsoft.Web/sites@2024-04-01' = { name: 'x', location: 'l', properties: { httpsOnly: 'true' } }`,
      /httpsOnly takes a boolean/,
    ],
    [
      'a read-only property',
      `resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = { name: 'x', location: 'l', properties: { clientId: 'x' } }`,
      /properties.clientId is read-only/,
    ],
    [
      'a missing required property',
      `resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: 'x', location: 'l', kind: 'StorageV2' }`,
      /required property 'sku' is missing/,
    ],
    [
      'an API version with no definition',
      `resource st 'Microsoft.Storage/storageAccounts@2023-13-01' = { name: 'x' }`,
      /no type definition vendored/,
    ],
  ])('reports %s', async (_what, text, message) => {
    expect(typeFindings(await parseBicep('planted.bicep', text)).join('\n')).toMatch(message);
  });
});
