// A new vault for tenants' Secret Tokens. Access is by Azure RBAC only (no access policies), and deleted
// secrets stay recoverable: a revoked or deleted token can be restored, never silently lost.
param name string
param location string
param tags object
@description('Purge protection cannot be turned off once on; off lets `azd down --purge` free the name at once.')
param purgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The service refuses `false` here ("cannot be disabled once enabled"), so off means leaving it out.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}
