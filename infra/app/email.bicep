// Mail for the provisioning notifier: an Email Communication Service with an Azure-managed domain (a free
// *.azurecomm.net sender, no DNS to set up), linked to a Communication Service that the app calls with its
// identity. Local (access key) auth is disabled, so no key exists to leak.
import { roles } from 'roles.bicep'

param emailServiceName string
param communicationServiceName string
@description('Where ACS stores mail data at rest, e.g. "United States", "Europe".')
param dataLocation string
param tags object
param appPrincipalId string

resource emailService 'Microsoft.Communication/emailServices@2025-05-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: { dataLocation: dataLocation }
}

resource domain 'Microsoft.Communication/emailServices/domains@2025-05-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [domain.id]
    disableLocalAuth: true
  }
}

resource mailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, appPrincipalId, roles.communicationAndEmailServiceOwner)
  scope: communicationService
  properties: { roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.communicationAndEmailServiceOwner), principalId: appPrincipalId, principalType: 'ServicePrincipal' }
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
