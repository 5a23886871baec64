// Who may do what with tenants' Secret Tokens in the vault (new or existing): the app reads them, the deploying
// user manages them with `npm run admin -- token …`.
import { roles } from 'roles.bicep'

param vaultName string
param appPrincipalId string
param deployerPrincipalId string
param deployerPrincipalType string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

var grants = [
  { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.keyVaultSecretsUser }
  { principalId: deployerPrincipalId, principalType: deployerPrincipalType, roleId: roles.keyVaultSecretsOfficer }
]

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for g in filter(grants, g => !empty(g.principalId)): {
  name: guid(vault.id, g.principalId, g.roleId)
  scope: vault
  properties: { roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', g.roleId), principalId: g.principalId, principalType: g.principalType }
}]

output vaultUri string = vault.properties.vaultUri
