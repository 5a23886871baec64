import { randomBytes } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { statusOf, tolerating } from '../azureFaults';
import { resourceNotFound, ScimError, unavailable } from '../scim/errors';
import { ResourceTypeName } from '../scim/resourceSchema';
import { Member, MembershipChange, MembershipRepository } from '../resources/repository';
import { backrefKey, backrefPrefix, CLEANUP_PARTITION, encodeKeyPart, memberKey, memberPrefix, prefixEnd, resourceKey } from './keys';
import { boundedColumn } from './entityProperties';
import { MAX_TRANSACTION, PartitionTable } from './partitionTable';
import { checkPrecondition, ResourceEntity, versionOf } from './resourceStore';

/** Each membership is two rows (M and B); one operation per transaction is left for the group's version. */
const PER_TRANSACTION = Math.floor((MAX_TRANSACTION - 1) / 2);
/** Re-checks after a removal raced another removal of the same member, before answering 503. */
const MAX_REMOVAL_RACES = 4;
/** Point reads in flight at once when checking members exist: never hundreds of sockets for one request. */
const LOOKUP_PARALLELISM = 32;

type MemberRow = { memberId: string; memberType: ResourceTypeName; display?: string };

/**
 * Memberships as rows in both directions (notes/design.md): adding or removing members writes only the changed
 * rows, reading a group without members touches none of them, and a user's groups are a short range read.
 */
export class MembershipStore implements MembershipRepository {
  constructor(private readonly table: PartitionTable) {}

  async *members(tenant: string, groupId: string): AsyncGenerator<Member> {
    for await (const row of this.table.range<MemberRow>(tenant, memberPrefix(groupId), ['memberId', 'memberType', 'display'])) {
      yield { value: row.memberId, type: row.memberType, ...(row.display !== undefined ? { display: row.display } : {}) };
    }
  }

  async groupsOf(tenant: string, memberId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const row of this.table.range<{ groupId: string }>(tenant, backrefPrefix(memberId), ['groupId'])) ids.push(row.groupId);
    return ids;
  }

  /** The member → group rows sort by member, so a page of consecutive users needs one range read, not one each. */
  async groupsOfConsecutive(tenant: string, memberIds: string[]): Promise<Map<string, string[]>> {
    const byPrefix = new Map(memberIds.map((id) => [backrefPrefix(id), id]));
    const byMember = new Map<string, string[]>(memberIds.map((id) => [id, []]));
    if (!memberIds.length) return byMember;
    const rows = this.table.between<{ groupId: string }>(tenant, backrefPrefix(memberIds[0]), prefixEnd(backrefPrefix(memberIds[memberIds.length - 1])), ['RowKey', 'groupId']);
    for await (const row of rows) {
      const member = byPrefix.get(row.rowKey.slice(0, row.rowKey.lastIndexOf('~') + 1));
      if (member !== undefined) byMember.get(member)!.push(row.groupId);
    }
    return byMember;
  }

  async isMember(tenant: string, groupId: string, memberId: string): Promise<boolean> {
    return (await this.table.getRow(tenant, memberKey(groupId, memberId), ['RowKey'])) !== undefined;
  }

  async resolve(tenant: string, ids: string[]): Promise<Map<string, Member>> {
    const found = new Map<string, Member>();
    for (const type of ['User', 'Group'] as const) {
      const open = ids.filter((id) => !found.has(id));
      await inBatches(open, LOOKUP_PARALLELISM, async (id) => {
        const row = await this.table.getRow<{ display?: string }>(tenant, resourceKey(type, id), ['display']);
        if (row) found.set(id, { value: id, type, ...(row.display !== undefined ? { display: row.display } : {}) });
      });
    }
    return found;
  }

  /**
   * Writes the changed rows with an unconditional merge of a fresh stamp into the group's own row in the same
   * transactions: parallel member changes never queue on the group's ETag, yet every change moves its version,
   * and a group deleted meanwhile fails the transaction (404) so no orphan rows are written.
   */
  async change(tenant: string, groupId: string, change: MembershipChange, ifMatch?: string): Promise<void> {
    let etag: string | undefined;
    if (ifMatch !== undefined) {
      const group = await this.table.getRow<ResourceEntity>(tenant, resourceKey('Group', groupId));
      if (!group) throw resourceNotFound('Group', groupId);
      checkPrecondition({ meta: { version: versionOf(group) } }, ifMatch);
      etag = group.etag;
    }
    let memberships = [
      ...change.add.map((m) => ({ memberId: m.value, removal: false, actions: [
        ['upsert', { partitionKey: tenant, rowKey: memberKey(groupId, m.value), memberId: m.value, memberType: m.type, ...(m.display !== undefined ? { display: m.display } : {}) }, 'Replace'],
        ['upsert', { partitionKey: tenant, rowKey: backrefKey(m.value, groupId), groupId }, 'Replace'],
      ] as TransactionAction[] })),
      ...change.remove.map((id) => ({ memberId: id, removal: true, actions: [
        ['delete', { partitionKey: tenant, rowKey: memberKey(groupId, id) }],
        ['delete', { partitionKey: tenant, rowKey: backrefKey(id, groupId) }],
      ] as TransactionAction[] })),
    ];
    for (let attempt = 0; memberships.length; attempt++) {
      try {
        const chunks = Array.from({ length: Math.ceil(memberships.length / PER_TRANSACTION) }, (_, i) => memberships.slice(i * PER_TRANSACTION, (i + 1) * PER_TRANSACTION));
        const write = (chunk: typeof memberships, ifEtag?: string) => {
          const stamp = { partitionKey: tenant, rowKey: resourceKey('Group', groupId), memberStamp: newStamp(), lastModified: new Date().toISOString() };
          return this.table.submit([ifEtag ? ['update', stamp, 'Merge', { etag: ifEtag }] : ['update', stamp, 'Merge'], ...chunk.flatMap((m) => m.actions)]);
        };
        // The first transaction carries the client's precondition; the others do not depend on each other.
        if (etag) await write(chunks.shift()!, etag);
        etag = undefined;
        await Promise.all(chunks.map((chunk) => write(chunk)));
        return;
      } catch (e) {
        if (statusOf(e) === 412) throw new ScimError(412, `Group "${groupId}" changed after If-Match ${ifMatch} was checked; read it again and retry.`);
        if (statusOf(e) !== 404) throw e;
        // 404: the group is gone, or a member to remove is not (or no longer) a member — removing it is a no-op.
        if (!(await this.table.getRow(tenant, resourceKey('Group', groupId), ['RowKey']))) throw resourceNotFound('Group', groupId);
        if (attempt >= MAX_REMOVAL_RACES) throw unavailable('Members of this group are being removed concurrently.', 5);
        const absent = new Set<string>();
        await inBatches(memberships.filter((m) => m.removal), LOOKUP_PARALLELISM, async (m) => {
          if (!(await this.isMember(tenant, groupId, m.memberId))) absent.add(m.memberId);
        });
        memberships = memberships.filter((m) => !(m.removal && absent.has(m.memberId)));
      }
    }
  }

  async renameMember(tenant: string, memberId: string, display: string | undefined, groupIds?: string[]): Promise<void> {
    const groups = groupIds ?? (await this.groupsOf(tenant, memberId));
    const rows = groups.map((groupId) => ({ partitionKey: tenant, rowKey: memberKey(groupId, memberId), display: boundedColumn(display ?? '') }));
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION) {
      const chunk = rows.slice(i, i + MAX_TRANSACTION);
      // A membership removed meanwhile fails the batch (404): then row by row, skipping the removed ones.
      const batch = this.table.submit(chunk.map((row): TransactionAction => ['update', row, 'Merge']));
      if ((await tolerating(batch.then(() => true), false, 404)) === false) {
        await inBatches(chunk, LOOKUP_PARALLELISM, (row) => tolerating(this.table.merge(row), undefined, 404));
      }
    }
  }

  /** All of a deleted member's memberships go in shared transactions: they are rows of one partition. */
  async removeEverywhere(tenant: string, memberId: string, groupIds?: string[]): Promise<void> {
    const groups = groupIds ?? (await this.groupsOf(tenant, memberId));
    await this.deleteRows(tenant, groups.flatMap((groupId) => [memberKey(groupId, memberId), backrefKey(memberId, groupId)]));
  }

  /** Deletes membership rows; rows already gone (a concurrent removal) are skipped. */
  private async deleteRows(tenant: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += MAX_TRANSACTION) {
      const chunk = keys.slice(i, i + MAX_TRANSACTION);
      const batch = this.table.submit(chunk.map((rowKey): TransactionAction => ['delete', { partitionKey: tenant, rowKey }]));
      if ((await tolerating(batch.then(() => true), false, 404)) === false) {
        await inBatches(chunk, LOOKUP_PARALLELISM, (rowKey) => this.table.deleteRow(tenant, rowKey));
      }
    }
  }

  /** Removes every membership of a group, a page at a time; returns how many were removed. */
  private async clear(tenant: string, groupId: string, budget: number): Promise<number> {
    let removed = 0;
    while (removed < budget) {
      const batch: string[] = [];
      for await (const m of this.members(tenant, groupId)) {
        batch.push(m.value);
        if (batch.length >= Math.min(1000, budget - removed)) break;
      }
      if (!batch.length) break;
      await this.deleteRows(tenant, batch.flatMap((id) => [memberKey(groupId, id), backrefKey(id, groupId)]));
      removed += batch.length;
    }
    return removed;
  }

  async markForPurge(tenant: string, groupId: string): Promise<void> {
    await this.table.upsert({ partitionKey: CLEANUP_PARTITION, rowKey: purgeKey(tenant, groupId), tenant, groupId });
  }

  /**
   * Purges the membership rows of deleted groups, up to `budget` rows, and returns whether all are done. A group
   * that still exists (its delete failed after it was marked) only loses its mark. Idempotent, so the timer and
   * a DELETE may both run it.
   */
  async purge(groupExists: (tenant: string, groupId: string) => Promise<boolean>, budget: number): Promise<boolean> {
    let left = budget;
    for await (const mark of this.table.range<{ tenant: string; groupId: string }>(CLEANUP_PARTITION, '', ['tenant', 'groupId'])) {
      if (left <= 0) return false;
      if (!(await groupExists(mark.tenant, mark.groupId))) {
        left -= await this.clear(mark.tenant, mark.groupId, left);
        if (left <= 0) return false;
      }
      await this.table.deleteRow(CLEANUP_PARTITION, purgeKey(mark.tenant, mark.groupId));
    }
    return true;
  }
}

const purgeKey = (tenant: string, groupId: string) => `${encodeKeyPart(tenant)}~${encodeKeyPart(groupId)}`;

/** A new value for a group's member stamp: time-ordered, unique across instances. */
const newStamp = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Runs `work` over `items`, at most `parallel` at a time. */
async function inBatches<T>(items: T[], parallel: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}
