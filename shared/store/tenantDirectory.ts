import { z } from 'zod';
import { parseJson } from '../scim/document';
import { TENANTS_PARTITION } from './keys';
import { tolerating } from '../azureFaults';
import { PartitionTable } from './partitionTable';

export interface TenantRecord {
  tenant: string;
  created: Date;
  entraTenantIds: string[];
  /** Who the notifier mails about this tenant; empty: the default recipients (SCIM_NOTIFY_TO). */
  notify: string[];
}

interface TenantRow {
  rowKey: string;
  created: Date;
  entraTenantIds: string;
  notify?: string;
}

/** The tenants created with the admin command line, the Entra tenants whose tokens each accepts, and who hears of its incidents. */
export class TenantDirectory {
  constructor(private readonly table: PartitionTable) {}

  /** False when the tenant already exists. */
  async create(tenant: string, entraTenantIds: string[]): Promise<boolean> {
    const row = {
      partitionKey: TENANTS_PARTITION,
      rowKey: tenant,
      created: new Date(),
      entraTenantIds: JSON.stringify(entraTenantIds),
    };
    return tolerating(
      this.table.create(row).then(() => true),
      false,
      409,
    );
  }

  async get(tenant: string): Promise<TenantRecord | undefined> {
    const row = await this.table.getRow<TenantRow>(TENANTS_PARTITION, tenant);
    return row && toRecord({ ...row, rowKey: tenant });
  }

  async list(): Promise<TenantRecord[]> {
    const out: TenantRecord[] = [];
    for await (const row of this.table.range<TenantRow>(TENANTS_PARTITION, '')) out.push(toRecord(row));
    return out;
  }

  /** Replaces the tenant's notification recipients; false when the tenant has no directory entry. */
  async setNotify(tenant: string, addresses: string[]): Promise<boolean> {
    return tolerating(
      this.table
        .merge({ partitionKey: TENANTS_PARTITION, rowKey: tenant, notify: JSON.stringify(addresses) })
        .then(() => true),
      false,
      404,
    );
  }

  /** False when there was no such tenant. */
  async delete(tenant: string): Promise<boolean> {
    return this.table.deleteRow(TENANTS_PARTITION, tenant);
  }
}

/** Table properties cannot hold lists: `entraTenantIds` and `notify` are JSON arrays of strings in a string column. */
const stringListColumn = z.array(z.string());

const toRecord = (row: TenantRow): TenantRecord => ({
  tenant: row.rowKey,
  created: row.created,
  entraTenantIds: stringListColumn.parse(parseJson(row.entraTenantIds)),
  notify: row.notify ? stringListColumn.parse(parseJson(row.notify)) : [],
});
