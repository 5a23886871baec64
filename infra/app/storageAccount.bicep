// A new storage account for the Functions host and the SCIM table. Shared keys are off: everything, the host
// included, reaches it with the managed identity, so no connection string with a key exists anywhere.
param name string
param location string
param tags object

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    defaultToOAuthAuthentication: true
    // Flex Consumption without a virtual network reaches storage over its public endpoint.
    publicNetworkAccess: 'Enabled'
  }
}
