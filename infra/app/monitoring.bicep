// Logs and telemetry with local (key) authentication disabled on both: ingestion is accepted only from the app's
// identity, so the Application Insights connection string in the app settings is an address, not a secret.
import { roles } from 'roles.bicep'

param workspaceName string
param componentName string
param location string
param tags object
param appPrincipalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: { disableLocalAuth: true }
  }
}

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: componentName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(component.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: component
  properties: { roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher), principalId: appPrincipalId, principalType: 'ServicePrincipal' }
}

output applicationInsightsConnectionString string = component.properties.ConnectionString
