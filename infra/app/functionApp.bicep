// The SCIM service: a Flex Consumption (FC1) Function App on Node 22 / Linux, HTTPS only, TLS 1.2+, no FTP and
// no basic-auth publishing (the publishing policies below; Flex rejects siteConfig.ftpsState), running as the
// user-assigned identity. azd finds it by the azd-service-name tag.
param planName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param tableEndpoint string
@description('The storage account\'s queue endpoint and the change queue in it; an empty name sends no events to a queue.')
param queueEndpoint string
param changesQueueName string
param vaultUri string
param applicationInsightsConnectionString string
param mailEndpoint string
param mailFrom string
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int
param restrictToEntra bool
param operatorIpRanges string[]
// JSON-valued settings arrive as values (azd parses them) and become the setting's JSON text here.
param scimExtensions array
param notifyTo string
param entraJobs object
@description('Days of provisioning activity kept for the status view and the notifier (one table per day).')
@minValue(1)
param activityRetentionDays int = 30

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// Entra's provisioning service calls from the AzureActiveDirectory service tag, which every Entra tenant shares:
// this narrows who can reach the endpoint (defence in depth); the Secret Token is still what authenticates.
var entraRule = { name: 'Entra provisioning', priority: 100, action: 'Allow', tag: 'ServiceTag', ipAddress: 'AzureActiveDirectory' }
var operatorRules = [for (cidr, i) in operatorIpRanges: { name: 'Operator ${i + 1}', priority: 200 + i, action: 'Allow', tag: 'Default', ipAddress: cidr }]

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: { http: { perInstanceConcurrency: httpPerInstanceConcurrency } }
      }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      ipSecurityRestrictions: restrictToEntra ? concat([entraRule], operatorRules) : []
      ipSecurityRestrictionsDefaultAction: restrictToEntra ? 'Deny' : 'Allow'
      // Deployments (azd deploy, func publish) go through the SCM site; it stays reachable and is protected by
      // Entra authentication, basic auth being disabled below.
      scmIpSecurityRestrictionsUseMain: false
      scmIpSecurityRestrictionsDefaultAction: 'Allow'
    }
  }
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

// Every setting the code reads in Azure; test/deploy/appSettings.test.ts keeps this list and shared/config.ts in step.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Host storage through the identity: "a user-assigned identity is specified with credential and clientId".
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // DefaultAzureCredential picks a user-assigned identity only when told its client id.
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    SCIM_TABLE_ENDPOINT: tableEndpoint
    SCIM_KEY_VAULT_URL: vaultUri
    SCIM_ACS_ENDPOINT: mailEndpoint
    SCIM_MAIL_FROM: mailFrom
    SCIM_EXTENSIONS: string(scimExtensions)
    // The activity log (docs/operations.md#activity-log-and-status-view): on, flushed each minute, its own day tables.
    SCIM_ACTIVITY: 'on'
    SCIM_ACTIVITY_FLUSH_SECONDS: '60'
    SCIM_ACTIVITY_RETENTION_DAYS: string(activityRetentionDays)
    SCIM_ACTIVITY_TABLE_PREFIX: 'scimactivity'
    // The change feed (docs/change-feed.md): events written with each change, kept 90 days.
    SCIM_CHANGES: 'on'
    SCIM_CHANGES_RETENTION_DAYS: '90'
    // Every event also to this queue through the outbox (docs/change-feed.md#the-change-queue); empty: none.
    SCIM_CHANGES_QUEUE: changesQueueName
    SCIM_QUEUE_ENDPOINT: empty(changesQueueName) ? '' : queueEndpoint
    // The provisioning notifier (docs/operations.md#notifications): every 5 minutes, mail through ACS with the identity.
    SCIM_NOTIFY_SCHEDULE: '0 */5 * * * *'
    SCIM_NOTIFY_TO: notifyTo
    // The status page the mails link to.
    SCIM_PUBLIC_URL: 'https://${site.properties.defaultHostName}'
    SCIM_ENTRA_JOBS: string(entraJobs)
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
