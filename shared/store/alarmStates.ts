import { JsonObject as Json } from '../scim/document';
import { decodeDocument, DocumentProperties, encodeDocument } from './entityProperties';
import { ALARMS_PARTITION } from './keys';
import { tolerating } from '../azureFaults';
import { PartitionTable } from './partitionTable';

/** A rendered mail waiting to be sent can exceed one string property: the state is stored like a resource's document. */
type AlarmRow = DocumentProperties & { rowKey: string };

/**
 * The notifier's alarm state per tenant (a JSON document the notifier validates), one row each, written only under
 * the ETag it was read with: of two instances (or overlapping runs) deciding the same mail, one write wins and the
 * other sees `undefined`.
 */
export class AlarmStates {
  constructor(private readonly table: PartitionTable) {}

  /** No ETag when the tenant has no row yet. */
  async read(tenant: string): Promise<{ document?: unknown; etag?: string }> {
    const row = await this.table.getRow<AlarmRow>(ALARMS_PARTITION, tenant);
    return row ? { document: decodeDocument(row), etag: row.etag } : {};
  }

  /** The new ETag, or undefined when another writer changed (or created) the row since `etag` was read. */
  async write(tenant: string, document: Json, etag: string | undefined): Promise<string | undefined> {
    const entity = { partitionKey: ALARMS_PARTITION, rowKey: tenant, ...encodeDocument('alarm state', document) };
    return tolerating(etag ? this.table.replace(entity, etag) : this.table.create(entity), undefined, 412, 409);
  }

  /** Every tenant's state with its ETag: one query per timer run instead of a read per tenant. */
  async list(): Promise<{ tenant: string; document: unknown; etag: string }[]> {
    const out: { tenant: string; document: unknown; etag: string }[] = [];
    for await (const row of this.table.range<AlarmRow & { etag: string }>(ALARMS_PARTITION, ''))
      out.push({ tenant: row.rowKey, document: decodeDocument(row), etag: row.etag });
    return out;
  }

  async forget(tenant: string): Promise<void> {
    await this.table.deleteRow(ALARMS_PARTITION, tenant);
  }
}
