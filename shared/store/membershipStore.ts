import { randomBytes } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { statusOf, tolerating } from '../azureFaults';
import { resourceNotFound, ScimError, unavailable, unknownMembers } from '../scim/errors';
import { ResourceTypeName } from '../scim/resourceSchema';
import { Member, MembershipChange, MembershipRepository } from '../resources/repository';
import { CLEANUP_PARTITION, encodeKeyPart, memberKey, memberOfKey, memberOfPrefix, memberPrefix, membershipGuardKey, resourceKey, resourceSpanEnd } from './keys';
import { boundedColumn } from './entityProperties';
import { inBatches, LOOKUP_PARALLELISM } from './inBatches';
import { MAX_TRANSACTION, PartitionTable } from './partitionTable';
import { checkPrecondition, ResourceEntity, versionOf } from './resourceStore';

/** One operation of each transaction is left for the group's version. */
const OPERATIONS_PER_CHANGE = MAX_TRANSACTION - 1;
/** Re-checks after a removal raced another removal of the same member, before answering 503. */
const MAX_REMOVAL_RACES = 4;

type MemberRow = { memberId: string; memberType: ResourceTypeName; display?: string };
/** A membership to write or remove; a removal's member type is a guess (User) until its M row says otherwise. */
type Pending = Member & { removal: boolean };

/**
 * Memberships as rows in both directions (notes/design.md): adding or removing members writes only the changed
 * rows, reading a group without members touches none of them, and a member's groups sit right after its own row,
 * so reading a user reads its groups in the same range read.
 */
export class MembershipStore implements MembershipRepository {
  constructor(private readonly table: PartitionTable) {}

  async *members(tenant: string, groupId: string): AsyncGenerator<Member> {
    for await (const row of this.table.range<MemberRow>(tenant, memberPrefix(groupId), ['memberId', 'memberType', 'display'])) {
      yield { value: row.memberId, type: row.memberType, ...(row.display !== undefined ? { display: row.display } : {}) };
    }
  }

  async groupsOf(tenant: string, memberType: ResourceTypeName, memberId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const row of this.table.range<{ groupId?: string }>(tenant, memberOfPrefix(memberType, memberId), ['groupId'])) if (row.groupId !== undefined) ids.push(row.groupId);
    return ids;
  }

  /**
   * The member → group rows sort with their members, so a page of consecutive users needs one range read, not one
   * each; the users' own rows in that range come back as bare keys.
   */
  async groupsOfConsecutive(tenant: string, memberType: ResourceTypeName, memberIds: string[]): Promise<Map<string, string[]>> {
    const byPrefix = new Map(memberIds.map((id) => [memberOfPrefix(memberType, id), id]));
    const byMember = new Map<string, string[]>(memberIds.map((id) => [id, []]));
    if (!memberIds.length) return byMember;
    const rows = this.table.between<{ groupId?: string }>(tenant, resourceKey(memberType, memberIds[0]), resourceSpanEnd(memberType, memberIds[memberIds.length - 1]), ['RowKey', 'groupId']);
    for await (const row of rows) {
      if (row.groupId === undefined) continue; // a user's own row or its membership guard
      const member = byPrefix.get(row.rowKey.slice(0, row.rowKey.indexOf('!') + 1));
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
   * and a group deleted meanwhile fails the transaction (404) so no orphan rows are written. Each added member's
   * row is merged with nothing (it fails the transaction, 404, once the member is gone; only its ETag moves, never
   * its version) and its membership guard is written, which fails the member's DELETE if that read its
   * memberships before this committed (ResourceStore.delete): a membership never outlives its member.
   */
  async change(tenant: string, groupId: string, change: MembershipChange, ifMatch?: string): Promise<void> {
    let etag: string | undefined;
    if (ifMatch !== undefined) {
      const group = await this.table.getRow<ResourceEntity>(tenant, resourceKey('Group', groupId));
      if (!group) throw resourceNotFound('Group', groupId);
      checkPrecondition({ meta: { version: versionOf(group) } }, ifMatch);
      etag = group.etag;
    }
    const actionsOf = (m: Pending): TransactionAction[] => m.removal
      ? [['delete', { partitionKey: tenant, rowKey: memberKey(groupId, m.value) }], ['delete', { partitionKey: tenant, rowKey: memberOfKey(m.type, m.value, groupId) }]]
      : [
          ['update', { partitionKey: tenant, rowKey: resourceKey(m.type, m.value) }, 'Merge'],
          ['upsert', { partitionKey: tenant, rowKey: membershipGuardKey(m.type, m.value) }, 'Merge'],
          ['upsert', { partitionKey: tenant, rowKey: memberKey(groupId, m.value), memberId: m.value, memberType: m.type, ...(m.display !== undefined ? { display: m.display } : {}) }, 'Replace'],
          ['upsert', { partitionKey: tenant, rowKey: memberOfKey(m.type, m.value, groupId), groupId }, 'Replace'],
        ];
    // Entra provisions no nested groups: a removed member is taken for a user, and a wrong guess fails the
    // transaction (404) like a member that is already gone, which reads the member's M row below.
    let memberships: Pending[] = [...change.add.map((m) => ({ ...m, removal: false })), ...change.remove.map((value) => ({ value, type: 'User' as const, removal: true }))];
    for (let attempt = 0; memberships.length; attempt++) {
      try {
        const chunks = transactionsOf(memberships.map(actionsOf));
        const write = (chunk: TransactionAction[], ifEtag?: string) => {
          const stamp = { partitionKey: tenant, rowKey: resourceKey('Group', groupId), memberStamp: newStamp(), lastModified: new Date().toISOString() };
          return this.table.submit([ifEtag ? ['update', stamp, 'Merge', { etag: ifEtag }] : ['update', stamp, 'Merge'], ...chunk]);
        };
        // The first transaction carries the client's precondition; the others do not depend on each other.
        if (etag) await write(chunks.shift()!, etag);
        etag = undefined;
        await Promise.all(chunks.map((chunk) => write(chunk)));
        return;
      } catch (e) {
        if (statusOf(e) === 412) throw new ScimError(412, `Group "${groupId}" changed after If-Match ${ifMatch} was checked; read it again and retry.`);
        if (statusOf(e) !== 404) throw e;
        // 404: the group is gone, or a member to add was deleted since it was looked up, or a member to remove is
        // not (or no longer) a member — removing it is a no-op — or is a group, whose member → group row sits next
        // to that group's row.
        if (!(await this.table.getRow(tenant, resourceKey('Group', groupId), ['RowKey']))) throw resourceNotFound('Group', groupId);
        const adds = memberships.filter((m) => !m.removal).map((m) => m.value);
        const existing = await this.resolve(tenant, adds);
        const gone = adds.filter((id) => !existing.has(id));
        if (gone.length) throw unknownMembers(gone);
        if (attempt >= MAX_REMOVAL_RACES) throw unavailable('Members of this group are being removed concurrently.', 5);
        const current = new Map<string, ResourceTypeName>();
        await inBatches(memberships.filter((m) => m.removal), LOOKUP_PARALLELISM, async (m) => {
          const row = await this.table.getRow<MemberRow>(tenant, memberKey(groupId, m.value), ['memberType']);
          if (row) current.set(m.value, row.memberType);
        });
        memberships = memberships.flatMap((m) => (!m.removal ? [m] : current.has(m.value) ? [{ ...m, type: current.get(m.value)! }] : []));
      }
    }
  }

  async renameMember(tenant: string, memberId: string, display: string | undefined, groupIds: string[]): Promise<void> {
    const rows = groupIds.map((groupId) => ({ partitionKey: tenant, rowKey: memberKey(groupId, memberId), display: boundedColumn(display ?? '') }));
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION) {
      const chunk = rows.slice(i, i + MAX_TRANSACTION);
      // A membership removed meanwhile fails the batch (404): then row by row, skipping the removed ones.
      const batch = this.table.submit(chunk.map((row): TransactionAction => ['update', row, 'Merge']));
      if ((await tolerating(batch.then(() => true), false, 404)) === false) {
        await inBatches(chunk, LOOKUP_PARALLELISM, (row) => tolerating(this.table.merge(row), undefined, 404));
      }
    }
  }

  /** Removes every membership of a group, a page at a time; returns how many were removed. */
  private async clear(tenant: string, groupId: string, budget: number): Promise<number> {
    let removed = 0;
    while (removed < budget) {
      const batch: Member[] = [];
      for await (const m of this.members(tenant, groupId)) {
        batch.push(m);
        if (batch.length >= Math.min(1000, budget - removed)) break;
      }
      if (!batch.length) break;
      await this.table.deleteRows(tenant, batch.flatMap((m) => [memberKey(groupId, m.value), memberOfKey(m.type, m.value, groupId)]));
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

/**
 * Packs each membership's operations (an addition's four, a removal's two) into as few transactions as fit, never
 * splitting one membership's operations over two.
 */
function transactionsOf(perMembership: TransactionAction[][]): TransactionAction[][] {
  const transactions: TransactionAction[][] = [];
  for (const actions of perMembership) {
    const last = transactions[transactions.length - 1];
    if (last && last.length + actions.length <= OPERATIONS_PER_CHANGE) last.push(...actions);
    else transactions.push([...actions]);
  }
  return transactions;
}

const purgeKey = (tenant: string, groupId: string) => `${encodeKeyPart(tenant)}~${encodeKeyPart(groupId)}`;

/** A new value for a group's member stamp: time-ordered, unique across instances. */
const newStamp = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
