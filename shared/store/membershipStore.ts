import { TransactionAction } from '@azure/data-tables';
import { backrefKey, backrefPrefix, CLEANUP_PARTITION, encodeKeyPart, memberKey, memberPrefix, prefixEnd } from './keys';
import { MAX_TRANSACTION, PartitionTable, statusOf } from './partitionTable';

export type MemberType = 'User' | 'Group';

export interface Member {
  value: string;
  type: MemberType;
}

/** Each membership is two rows (M and B), so one transaction carries 50 memberships. */
const PER_TRANSACTION = MAX_TRANSACTION / 2;
const MAX_RETRIES = 8;

/**
 * Memberships as rows in both directions (notes/design.md): adding or removing members writes only the changed
 * rows, reading a group without members touches none of them, and a user's groups are a short range read.
 */
export class MembershipStore {
  constructor(private readonly table: PartitionTable) {}

  async *members(tenant: string, groupId: string): AsyncGenerator<Member> {
    const prefix = memberPrefix(groupId);
    for await (const row of this.table.range<{ memberId: string; memberType: MemberType }>(tenant, prefix, ['memberId', 'memberType'])) {
      yield { value: row.memberId, type: row.memberType };
    }
  }

  async groupsOf(tenant: string, memberId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const row of this.table.range<{ groupId: string }>(tenant, backrefPrefix(memberId), ['groupId'])) ids.push(row.groupId);
    return ids;
  }

  /**
   * The groups of every member whose id lies between `firstId` and `lastId`, in one range read of the member →
   * group rows (which sort by member): for a page of consecutive users, instead of one read per user.
   */
  async groupsOfSpan(tenant: string, firstId: string, lastId: string): Promise<Map<string, string[]>> {
    const byMember = new Map<string, string[]>();
    const rows = this.table.between<{ groupId: string }>(tenant, backrefPrefix(firstId), prefixEnd(backrefPrefix(lastId)), ['RowKey', 'groupId']);
    for await (const row of rows) {
      const member = row.rowKey.slice(2, row.rowKey.lastIndexOf('~'));
      byMember.set(member, [...(byMember.get(member) ?? []), row.groupId]);
    }
    return byMember;
  }

  async isMember(tenant: string, groupId: string, memberId: string): Promise<boolean> {
    return (await this.table.getRow(tenant, memberKey(groupId, memberId))) !== undefined;
  }

  /** Upserts both rows of each membership: adding an existing member is a no-op, not an error. */
  async add(tenant: string, groupId: string, members: Member[]): Promise<void> {
    for (let i = 0; i < members.length; i += PER_TRANSACTION) {
      const actions = members.slice(i, i + PER_TRANSACTION).flatMap((m): TransactionAction[] => [
        ['upsert', { partitionKey: tenant, rowKey: memberKey(groupId, m.value), memberId: m.value, memberType: m.type }, 'Replace'],
        ['upsert', { partitionKey: tenant, rowKey: backrefKey(m.value, groupId), groupId }, 'Replace'],
      ]);
      await this.table.submit(actions);
    }
  }

  /**
   * Deletes the memberships that exist; removing an absent member is a no-op. A transaction fails whole if one of
   * its rows is gone, which happens when a concurrent request removed it first: then re-check and retry.
   */
  async remove(tenant: string, groupId: string, memberIds: string[]): Promise<void> {
    for (let i = 0; i < memberIds.length; i += PER_TRANSACTION) {
      const chunk = memberIds.slice(i, i + PER_TRANSACTION);
      for (let attempt = 0; ; attempt++) {
        const present = (await Promise.all(chunk.map(async (id) => ((await this.isMember(tenant, groupId, id)) ? id : undefined)))).filter((id): id is string => !!id);
        if (!present.length) break;
        try {
          await this.table.submit(present.flatMap((id): TransactionAction[] => [
            ['delete', { partitionKey: tenant, rowKey: memberKey(groupId, id) }],
            ['delete', { partitionKey: tenant, rowKey: backrefKey(id, groupId) }],
          ]));
          break;
        } catch (e) {
          if (statusOf(e) !== 404 || attempt >= MAX_RETRIES) throw e;
        }
      }
    }
  }

  /** Removes every membership of a group, a page at a time; returns how many were removed. */
  async clear(tenant: string, groupId: string, budget = Infinity): Promise<number> {
    let removed = 0;
    while (removed < budget) {
      const batch: string[] = [];
      for await (const m of this.members(tenant, groupId)) {
        batch.push(m.value);
        if (batch.length >= Math.min(1000, budget - removed)) break;
      }
      if (!batch.length) break;
      await this.remove(tenant, groupId, batch);
      removed += batch.length;
    }
    return removed;
  }

  /** Removes a user's or group's memberships in every group it belongs to (it is being deleted). */
  async removeEverywhere(tenant: string, memberId: string): Promise<void> {
    for (const groupId of await this.groupsOf(tenant, memberId)) await this.remove(tenant, groupId, [memberId]);
  }

  /** Records a deleted group whose rows still need purging, before the group is deleted (other partition). */
  async markForPurge(tenant: string, groupId: string): Promise<void> {
    await this.table.submit([['upsert', { partitionKey: CLEANUP_PARTITION, rowKey: purgeKey(tenant, groupId), tenant, groupId }, 'Replace']]);
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
      await this.table.client.deleteEntity(CLEANUP_PARTITION, purgeKey(mark.tenant, mark.groupId)).catch((e) => {
        if (statusOf(e) !== 404) throw e;
      });
    }
    return true;
  }
}

const purgeKey = (tenant: string, groupId: string) => `${encodeKeyPart(tenant)}~${encodeKeyPart(groupId)}`;
