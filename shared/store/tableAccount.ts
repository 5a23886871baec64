import { DefaultAzureCredential, TokenCredential } from '@azure/identity';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import type { Settings } from '../config';

type Options = { retryOptions?: { maxRetries: number } };

/** The storage account's tables, reached the way the settings say: a connection string (Azurite) or managed identity. */
export interface TableAccount {
  table(name: string, options?: Options): TableClient;
  service(options?: Options): TableServiceClient;
}

export function tableAccount(settings: Pick<Settings, 'SCIM_STORAGE_CONNECTION_STRING' | 'SCIM_TABLE_ENDPOINT'>): TableAccount {
  const connection = settings.SCIM_STORAGE_CONNECTION_STRING;
  if (connection) {
    const allowInsecureConnection = /^UseDevelopmentStorage=true|TableEndpoint=http:/i.test(connection);
    return {
      table: (name, options) => TableClient.fromConnectionString(connection, name, { allowInsecureConnection, ...options }),
      service: (options) => TableServiceClient.fromConnectionString(connection, { allowInsecureConnection, ...options }),
    };
  }
  let credential: TokenCredential | undefined;
  const identity = () => (credential ??= new DefaultAzureCredential());
  return {
    table: (name, options) => new TableClient(`${settings.SCIM_TABLE_ENDPOINT}`, name, identity(), options),
    service: (options) => new TableServiceClient(`${settings.SCIM_TABLE_ENDPOINT}`, identity(), options),
  };
}
