import { DefaultAzureCredential } from '@azure/identity';
import { TableClient } from '@azure/data-tables';
import { readSettings, Settings } from './config';
import { buildSchemaRegistry, SchemaRegistry } from './scim/resourceSchema';
import { ResourceStore } from './store/resourceStore';
import { PartitionTable } from './store/partitionTable';
import { MembershipStore } from './store/membershipStore';
import { SettingsTokenVerifier, TokenVerifier } from './auth/tokenVerifier';

/** Everything a request needs, built once per process from the app settings (the composition root). */
export interface Runtime {
  settings: Settings;
  schemas: SchemaRegistry;
  store: ResourceStore;
  memberships: MembershipStore;
  tokens: TokenVerifier;
}

export const DEFAULT_TENANT = 'default';

let current: Runtime | undefined;

export function runtime(): Runtime {
  current ??= createRuntime(readSettings());
  return current;
}

export function createRuntime(settings: Settings): Runtime {
  const table = settings.SCIM_STORAGE_CONNECTION_STRING
    ? TableClient.fromConnectionString(settings.SCIM_STORAGE_CONNECTION_STRING, settings.SCIM_TABLE_NAME, {
        allowInsecureConnection: /^UseDevelopmentStorage=true|TableEndpoint=http:/i.test(settings.SCIM_STORAGE_CONNECTION_STRING),
      })
    : new TableClient(`${settings.SCIM_TABLE_ENDPOINT}`, settings.SCIM_TABLE_NAME, new DefaultAzureCredential());
  const partitions = new PartitionTable(table);
  return {
    settings,
    schemas: buildSchemaRegistry(settings.SCIM_EXTENSIONS),
    store: new ResourceStore(partitions),
    memberships: new MembershipStore(partitions),
    tokens: new SettingsTokenVerifier(settings.SCIM_TOKEN ? { [DEFAULT_TENANT]: [settings.SCIM_TOKEN] } : {}),
  };
}
