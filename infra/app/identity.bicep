// The one identity the Function App uses for everything (storage, Key Vault, telemetry, mail): no keys, and a
// user-assigned identity survives re-creating the app, so its role assignments do too.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
