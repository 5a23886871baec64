// The built-in Azure roles this deployment grants, in one table: every role assignment names its role from here,
// and test/deploy/bicepRules.test.ts checks each id against the role's documented name.
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles

@export()
@description('Built-in role definition ids by role name.')
var roles = {
  // Host storage (timer schedule monitor and singleton leases are blobs) and the Flex deployment container.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // The SCIM table and the tables the app creates on first use (hence account scope, not one table).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // The change queue (SCIM_CHANGES_QUEUE), when one is deployed: send only, no reading, no deleting.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // The app reads tenants' Secret Tokens (get + list of versions).
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // The deploying user issues, rotates and revokes tokens with `npm run admin`.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Application Insights with local auth disabled accepts telemetry only from this role.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Sending mail through Azure Communication Services with a managed identity (no access key).
  communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'
}

