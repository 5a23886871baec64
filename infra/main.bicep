// `azd up` entry point: one resource group holding the SCIM connector and everything it needs (docs/operations.md#deploy-to-azure).
// Raw resources with pinned API versions, no registry modules, so that `npm test` can check every line offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name.')
param environmentName string

@minLength(1)
@description('Region of the resource group and the app; it must offer Flex Consumption (`az functionapp list-flexconsumption-locations`).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of whoever runs `azd up` (azd sets AZURE_PRINCIPAL_ID); gets Key Vault Secrets Officer and Storage Table Data Contributor so that `npm run admin` works. Empty: no grant.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Accept requests to the app only from Entra\'s provisioning service (service tag AzureActiveDirectory) and operatorIpRanges. Defence in depth, not authentication.')
param restrictToEntra bool = false

@description('Comma-separated CIDR ranges allowed besides Entra when restrictToEntra is on, e.g. "203.0.113.0/24,198.51.100.7/32", for `npm run check` and the status page. A string because azd substitutes parameters as text.')
param operatorIpRanges string = ''

@description('Use this existing Key Vault (RBAC authorization) instead of creating one.')
param existingKeyVaultName string = ''
@description('Resource group of existingKeyVaultName; empty: the environment\'s resource group.')
param existingKeyVaultResourceGroup string = ''

@description('Use this existing storage account (shared keys should be disabled on it) instead of creating one.')
param existingStorageAccountName string = ''
@description('Resource group of existingStorageAccountName; empty: the environment\'s resource group.')
param existingStorageAccountResourceGroup string = ''

@description('Purge protection on a new Key Vault: deleted secrets cannot be purged before the retention ends. Irreversible once on.')
param keyVaultPurgeProtection bool = true

@minValue(40)
@maxValue(1000)
@description('Most instances Flex Consumption may scale out to (40 is the lowest it accepts).')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('HTTP requests one instance handles at once before Flex adds an instance (16 is Flex\'s default for 2048 MB).')
param httpPerInstanceConcurrency int = 16

@description('Where Azure Communication Services keeps mail data, e.g. "United States", "Europe".')
param emailDataLocation string = 'United States'

@description('App setting SCIM_EXTENSIONS: the custom schema extensions (docs/operations.md#custom-attributes), serialised into the setting by the app module. An array, so that azd parses the JSON in SCIM_EXTENSIONS instead of splicing it into the parameters file as text.')
param scimExtensions array = []

@description('App setting SCIM_NOTIFY_TO: comma-separated addresses the provisioning notifier mails by default (per tenant: `npm run admin -- tenant set <id> --notify …`). Empty: only tenants with their own recipients are mailed.')
param notifyTo string = ''

@description('App setting SCIM_CHANGES_QUEUE: a queue of the app\'s storage account that receives every change event (docs/change-feed.md#the-change-queue); the app creates it on first use, and the deployment lets the app\'s identity do so (Storage Queue Data Contributor). Empty: no queue.')
param changesQueueName string = ''

@description('App setting SCIM_ENTRA_JOBS: tenant → {servicePrincipalId, jobId} for reading Entra\'s own job status through Graph (docs/operations.md#notifications: needs the Synchronization.Read.All app role on the identity). An object for the same reason as scimExtensions.')
param entraJobs object = {}

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = 'func-${resourceToken}'
var storageAccountName = empty(existingStorageAccountName) ? 'st${resourceToken}' : existingStorageAccountName
var vaultName = empty(existingKeyVaultName) ? 'kv-${resourceToken}' : existingKeyVaultName

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-${resourceToken}', location: location, tags: tags }
}

module newStorage 'app/storageAccount.bicep' = if (empty(existingStorageAccountName)) {
  name: 'storageAccount'
  scope: rg
  params: { name: storageAccountName, location: location, tags: tags }
}

module storage 'app/storageAccess.bicep' = {
  name: 'storageAccess'
  scope: resourceGroup(empty(existingStorageAccountResourceGroup) ? rg.name : existingStorageAccountResourceGroup)
  dependsOn: [newStorage]
  params: {
    accountName: storageAccountName
    deploymentContainerName: 'app-package-${take(appName, 32)}'
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    changesQueueName: changesQueueName
  }
}

module newVault 'app/keyVault.bicep' = if (empty(existingKeyVaultName)) {
  name: 'keyVault'
  scope: rg
  params: { name: vaultName, location: location, tags: tags, purgeProtection: keyVaultPurgeProtection }
}

module vault 'app/keyVaultAccess.bicep' = {
  name: 'keyVaultAccess'
  scope: resourceGroup(empty(existingKeyVaultResourceGroup) ? rg.name : existingKeyVaultResourceGroup)
  dependsOn: [newVault]
  params: {
    vaultName: vaultName
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-${resourceToken}'
    componentName: 'appi-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module email 'app/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    emailServiceName: 'ecs-${resourceToken}'
    communicationServiceName: 'acs-${resourceToken}'
    dataLocation: emailDataLocation
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module app 'app/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    planName: 'plan-${resourceToken}'
    appName: appName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    tableEndpoint: storage.outputs.tableEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    changesQueueName: changesQueueName
    vaultUri: vault.outputs.vaultUri
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    mailEndpoint: email.outputs.endpoint
    mailFrom: email.outputs.senderAddress
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    restrictToEntra: restrictToEntra
    operatorIpRanges: empty(operatorIpRanges) ? [] : map(split(operatorIpRanges, ','), cidr => trim(cidr))
    scimExtensions: scimExtensions
    notifyTo: notifyTo
    entraJobs: entraJobs
  }
}

// Written to .azure/<env>/.env by azd (`azd env get-values`): addresses only, never a key or a token.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = app.outputs.name
output SCIM_BASE_URL string = 'https://${app.outputs.defaultHostName}/scim/v2'
output SCIM_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output SCIM_KEY_VAULT_URL string = vault.outputs.vaultUri
output SCIM_ACS_ENDPOINT string = email.outputs.endpoint
output SCIM_MAIL_FROM string = email.outputs.senderAddress
