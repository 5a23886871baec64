// What the app needs in its storage account (new or existing): the Flex deployment container, and roles at
// account scope — the app creates its tables on first use, so a single-table scope would not do.
import { roles } from 'roles.bicep'

param accountName string
param deploymentContainerName string
param appPrincipalId string
@description('The deploying user, so that `npm run admin` can manage tenants; empty grants nothing.')
param deployerPrincipalId string
param deployerPrincipalType string
@description('The change queue the app sends every change event to; empty deploys none.')
param changesQueueName string = ''

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: accountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

// The app creates the change queue on first use, as it creates its tables: Storage Queue Data Contributor, since
// Message Sender may send but not create a queue (Create Queue needs queueServices/queues/write).
var queueGrants = empty(changesQueueName) ? [] : [
  { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.storageQueueDataContributor }
]

var grants = concat(queueGrants, [
  { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.storageBlobDataOwner }
  { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.storageTableDataContributor }
  { principalId: deployerPrincipalId, principalType: deployerPrincipalType, roleId: roles.storageTableDataContributor }
])

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for g in filter(grants, g => !empty(g.principalId)): {
  name: guid(account.id, g.principalId, g.roleId)
  scope: account
  properties: { roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', g.roleId), principalId: g.principalId, principalType: g.principalType }
}]

output blobEndpoint string = account.properties.primaryEndpoints.blob
output tableEndpoint string = account.properties.primaryEndpoints.table
output queueEndpoint string = account.properties.primaryEndpoints.queue
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
