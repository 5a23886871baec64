import { randomBytes } from 'node:crypto';
import { ManagedTokenSource, StoredToken, tokenDigest } from '../auth/tokenSource';
import { TOKENS_PARTITION } from './keys';
import { tolerating } from '../azureFaults';
import { PartitionTable } from './partitionTable';

interface TokenRow {
  rowKey: string;
  tenant: string;
  digest: string;
  created: Date;
  expires?: Date;
  enabled: boolean;
}

const rowKeyOf = (tenant: string, id: string) => `${tenant}~${id}`;

/**
 * Secret Tokens kept in the service's table when no Key Vault is configured (local runs, small installs): one row
 * per token holding only its SHA-256 digest, so reading the table never yields a usable token.
 */
export class TableTokenSource implements ManagedTokenSource {
  constructor(private readonly table: PartitionTable) {}

  async tokens(tenant: string): Promise<StoredToken[]> {
    const out: StoredToken[] = [];
    for await (const row of this.table.range<TokenRow>(TOKENS_PARTITION, `${tenant}~`)) out.push(toToken(row));
    return out;
  }

  async issue(tenant: string, value: string, expires?: Date): Promise<StoredToken> {
    const id = randomBytes(6).toString('hex');
    const row = {
      partitionKey: TOKENS_PARTITION,
      rowKey: rowKeyOf(tenant, id),
      tenant,
      digest: tokenDigest(value).toString('hex'),
      created: new Date(),
      enabled: true,
      ...(expires ? { expires } : {}),
    };
    await this.table.create(row);
    return toToken(row);
  }

  async revoke(tenant: string, id: string): Promise<boolean> {
    return tolerating(
      this.table
        .merge({ partitionKey: TOKENS_PARTITION, rowKey: rowKeyOf(tenant, id), enabled: false })
        .then(() => true),
      false,
      404,
    );
  }

  async removeTenant(tenant: string): Promise<void> {
    for (const token of await this.tokens(tenant))
      await this.table.deleteRow(TOKENS_PARTITION, rowKeyOf(tenant, token.id));
  }

  async tenants(): Promise<string[]> {
    const tenants = new Set<string>();
    for await (const row of this.table.range<{ tenant: string }>(TOKENS_PARTITION, '', ['tenant']))
      tenants.add(row.tenant);
    return [...tenants];
  }
}

const toToken = (row: Omit<TokenRow, 'rowKey'> & { rowKey: string }): StoredToken => ({
  id: row.rowKey.slice(row.rowKey.indexOf('~') + 1),
  digest: Buffer.from(row.digest, 'hex'),
  created: row.created,
  expires: row.expires,
  enabled: row.enabled,
});
