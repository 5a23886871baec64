import { randomBytes } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { statusOf, tolerating } from '../azureFaults';
import { resourceNotFound, ScimError, unavailable, unknownMembers } from '../scim/errors';
import { ResourceTypeName } from '../scim/resourceSchema';
import { Member, MembershipChange, MembershipRepository } from '../resources/repository';
import {
  CLEANUP_PARTITION,
  encodeKeyPart,
  memberKey,
  memberOfKey,
  memberOfPrefix,
  memberPrefix,
  membershipGuardKey,
  resourceKey,
  resourceSpanEnd,
} from './keys';
import { boundedColumn } from './entityProperties';
import { inBatches, LOOKUP_PARALLELISM } from './inBatches';
import { MAX_TRANSACTION, PartitionTable } from './partitionTable';
import { checkPrecondition, ResourceEntity, versionOf } from './resourceStore';
import { ChangeFeed, FEED_ROWS_PER_CHANGE } from './changeFeed';
import { ChangeOrigin } from '../scim/changeEvent';
/** Re-checks after a removal raced another removal of the same member, before answering 503. */
const MAX_REMOVAL_RACES = 4;

type MemberRow = { memberId: string; memberType: ResourceTypeName; display?: string };
/** A membership to write or remove; a removal's member type is a guess (User) until its M row says otherwise. */
type Pending = Member & { removal: boolean };

/**
 * Memberships as rows in both directions (docs/architecture.md#storage-model): adding or removing members writes only the changed
 * rows, reading a group without members touches none of them, and a member's groups sit right after its own row,
 * so reading a user reads its groups in the same range read.
 */
export class MembershipStore implements MembershipRepository {
  /** Without a feed (SCIM_CHANGES=off) changes are written without their events. */
  constructor(
    private readonly table: PartitionTable,
    private readonly feed?: ChangeFeed,
  ) {}

  async *members(tenant: string, groupId: string): AsyncGenerator<Member> {
    for await (const row of this.table.range<MemberRow>(tenant, memberPrefix(groupId), [
      'memberId',
      'memberType',
      'display',
    ])) {
      yield {
        value: row.memberId,
        type: row.memberType,
        ...(row.display !== undefined ? { display: row.display } : {}),
      };
    }
  }

  async groupsOf(tenant: string, memberType: ResourceTypeName, memberId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const row of this.table.range<{ groupId?: string }>(tenant, memberOfPrefix(memberType, memberId), [
      'groupId',
    ]))
      if (row.groupId !== undefined) ids.push(row.groupId);
    return ids;
  }

  /**
   * The member → group rows sort with their members, so a page of consecutive users needs one range read, not one
   * each; the users' own rows in that range come back as bare keys.
   */
  async groupsOfConsecutive(
    tenant: string,
    memberType: ResourceTypeName,
    memberIds: string[],
  ): Promise<Map<string, string[]>> {
    const byPrefix = new Map(memberIds.map((id) => [memberOfPrefix(memberType, id), id]));
    const byMember = new Map<string, string[]>(memberIds.map((id) => [id, []]));
    if (!memberIds.length) return byMember;
    const rows = this.table.between<{ groupId?: string }>(
      tenant,
      resourceKey(memberType, memberIds[0]),
      resourceSpanEnd(memberType, memberIds[memberIds.length - 1]),
      ['RowKey', 'groupId'],
    );
    for await (const row of rows) {
      if (row.groupId === undefined) continue; // a user's own row or its membership guard
      const member = byPrefix.get(row.rowKey.slice(0, row.rowKey.indexOf('!') + 1));
      if (member !== undefined) byMember.get(member)?.push(row.groupId);
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
   * A group → member row is created, not upserted, so adding a member that already is one fails (409) and is
   * dropped: an idempotent add writes nothing and records no event. Each transaction carries the event of the
   * memberships it changes (a change larger than one transaction records one event per transaction).
   */
  async change(
    tenant: string,
    groupId: string,
    pending: MembershipChange | Promise<MembershipChange>,
    origin: ChangeOrigin,
    ifMatch?: string,
  ): Promise<void> {
    let etag: string | undefined;
    // With the feed on, the group is read for its event's name and versions (the write itself needs no read); the
    // read runs while the caller still looks the members up, so it adds no round trip.
    const needsGroup = ifMatch !== undefined || this.feed !== undefined;
    const groupRead = needsGroup
      ? this.table.getRow<ResourceEntity>(tenant, resourceKey('Group', groupId), [
          'version',
          'memberStamp',
          'display',
          'lastModified',
        ])
      : Promise.resolve(undefined);
    const [change, group] = await bothSettled(Promise.resolve(pending), groupRead);
    if (needsGroup) {
      if (!group) throw resourceNotFound('Group', groupId);
      checkPrecondition({ meta: { version: versionOf(group) } }, ifMatch);
      if (ifMatch !== undefined) etag = group.etag;
    }
    if (!change.add.length && !change.remove.length) {
      // Nothing to write, but a change of a missing group is still a 404.
      if (!needsGroup && !(await this.table.getRow(tenant, resourceKey('Group', groupId), ['RowKey'])))
        throw resourceNotFound('Group', groupId);
      return;
    }
    if (this.feed) await this.feed.noteTenant(tenant);
    const actionsOf = (m: Pending): TransactionAction[] =>
      m.removal
        ? [
            ['delete', { partitionKey: tenant, rowKey: memberKey(groupId, m.value) }],
            ['delete', { partitionKey: tenant, rowKey: memberOfKey(m.type, m.value, groupId) }],
          ]
        : [
            ['update', { partitionKey: tenant, rowKey: resourceKey(m.type, m.value) }, 'Merge'],
            ['upsert', { partitionKey: tenant, rowKey: membershipGuardKey(m.type, m.value) }, 'Merge'],
            [
              'create',
              {
                partitionKey: tenant,
                rowKey: memberKey(groupId, m.value),
                memberId: m.value,
                memberType: m.type,
                ...(m.display !== undefined ? { display: m.display } : {}),
              },
            ],
            ['upsert', { partitionKey: tenant, rowKey: memberOfKey(m.type, m.value, groupId), groupId }, 'Replace'],
          ];
    // Entra provisions no nested groups: a removed member is taken for a user, and a wrong guess fails the
    // transaction (404) like a member that is already gone, which reads the member's M row below.
    let memberships: Pending[] = [
      ...change.add.map((m) => ({ ...m, removal: false })),
      ...change.remove.map((value) => ({ value, type: 'User' as const, removal: true })),
    ];
    // Each membership's history row (with the feed on) counts against the transaction's operations.
    const perTransaction = MAX_TRANSACTION - 1 - (this.feed ? FEED_ROWS_PER_CHANGE : 0);
    const historyRows = this.feed ? 1 : 0;
    let versionBefore = group && versionOf(group);
    for (let attempt = 0; memberships.length; attempt++) {
      try {
        const chunks = transactionsOf(memberships, (m) => actionsOf(m), perTransaction, historyRows);
        const write = ({ members, actions }: { members: Pending[]; actions: TransactionAction[] }, ifEtag?: string) => {
          const memberStamp = newStamp();
          const event =
            group &&
            this.feed?.event(
              tenant,
              origin,
              {
                operation: 'members',
                resourceType: 'Group',
                resourceId: groupId,
                attributes: ['members'],
                membersAdded: members.filter((m) => !m.removal).map((m) => m.value),
                membersRemoved: members.filter((m) => m.removal).map((m) => m.value),
                versionBefore: versionBefore ?? null,
                versionAfter: versionOf({ version: group.version, memberStamp }),
              },
              group.display === undefined ? {} : { displayName: group.display },
              group.lastModified,
            );
          if (event) versionBefore = event.versionAfter ?? undefined;
          const stamp = {
            partitionKey: tenant,
            rowKey: resourceKey('Group', groupId),
            memberStamp,
            lastModified: event?.time ?? new Date().toISOString(),
          };
          const written = this.table.submit([
            ifEtag ? ['update', stamp, 'Merge', { etag: ifEtag }] : ['update', stamp, 'Merge'],
            ...actions,
            ...(event && this.feed ? this.feed.rows(event) : []),
          ]);
          return event ? written.then(() => this.feed?.committed(event)) : written;
        };
        // The first transaction carries the client's precondition; the others do not depend on each other.
        let parallel = chunks;
        if (etag !== undefined && chunks.length) {
          const [first, ...rest] = chunks;
          await write(first, etag);
          parallel = rest;
        }
        etag = undefined;
        await Promise.all(parallel.map((chunk) => write(chunk)));
        return;
      } catch (e) {
        if (statusOf(e) === 412)
          throw new ScimError(
            412,
            `Group "${groupId}" changed after If-Match ${ifMatch} was checked; read it again and retry.`,
          );
        if (statusOf(e) === 409) {
          // A member to add already is one (or became one meanwhile, or an earlier transaction of this change
          // committed before another failed): adding it again changes nothing.
          const already = new Set<string>();
          await inBatches(
            memberships.filter((m) => !m.removal),
            LOOKUP_PARALLELISM,
            async (m) => {
              if (await this.isMember(tenant, groupId, m.value)) already.add(m.value);
            },
          );
          memberships = memberships.filter((m) => m.removal || !already.has(m.value));
          if (attempt >= MAX_REMOVAL_RACES)
            throw unavailable('Members of this group are being changed concurrently.', 5);
          continue;
        }
        if (statusOf(e) !== 404) throw e;
        // 404: the group is gone, or a member to add was deleted since it was looked up, or a member to remove is
        // not (or no longer) a member — removing it is a no-op — or is a group, whose member → group row sits next
        // to that group's row.
        if (!(await this.table.getRow(tenant, resourceKey('Group', groupId), ['RowKey'])))
          throw resourceNotFound('Group', groupId);
        const adds = memberships.filter((m) => !m.removal).map((m) => m.value);
        const existing = await this.resolve(tenant, adds);
        const gone = adds.filter((id) => !existing.has(id));
        if (gone.length) throw unknownMembers(gone);
        if (attempt >= MAX_REMOVAL_RACES) throw unavailable('Members of this group are being removed concurrently.', 5);
        const current = new Map<string, ResourceTypeName>();
        await inBatches(
          memberships.filter((m) => m.removal),
          LOOKUP_PARALLELISM,
          async (m) => {
            const row = await this.table.getRow<MemberRow>(tenant, memberKey(groupId, m.value), ['memberType']);
            if (row) current.set(m.value, row.memberType);
          },
        );
        memberships = memberships.flatMap((m) => {
          const type = current.get(m.value);
          return !m.removal ? [m] : type ? [{ ...m, type }] : [];
        });
      }
    }
  }

  async renameMember(tenant: string, memberId: string, display: string | undefined, groupIds: string[]): Promise<void> {
    const rows = groupIds.map((groupId) => ({
      partitionKey: tenant,
      rowKey: memberKey(groupId, memberId),
      display: boundedColumn(display ?? ''),
    }));
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION) {
      const chunk = rows.slice(i, i + MAX_TRANSACTION);
      // A membership removed meanwhile fails the batch (404): then row by row, skipping the removed ones.
      const batch = this.table.submit(chunk.map((row): TransactionAction => ['update', row, 'Merge']));
      if (
        (await tolerating(
          batch.then(() => true),
          false,
          404,
        )) === false
      ) {
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
      await this.table.deleteRows(
        tenant,
        batch.flatMap((m) => [memberKey(groupId, m.value), memberOfKey(m.type, m.value, groupId)]),
      );
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
    for await (const mark of this.table.range<{ tenant: string; groupId: string }>(CLEANUP_PARTITION, '', [
      'tenant',
      'groupId',
    ])) {
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
 * Packs each membership's operations (an addition's four, a removal's two, plus `extra` rows each that are
 * written beside them) into as few transactions of at most `limit` operations as fit, never splitting one
 * membership's operations over two.
 */
function transactionsOf(
  memberships: Pending[],
  actionsOf: (m: Pending) => TransactionAction[],
  limit: number,
  extra: number,
) {
  const transactions: { members: Pending[]; actions: TransactionAction[]; size: number }[] = [];
  for (const m of memberships) {
    const actions = actionsOf(m);
    const last = transactions[transactions.length - 1];
    if (last && last.size + actions.length + extra <= limit) {
      last.members.push(m);
      last.actions.push(...actions);
      last.size += actions.length + extra;
    } else {
      transactions.push({ members: [m], actions, size: actions.length + extra });
    }
  }
  return transactions;
}

/** Both values; when either failed, the first one's failure (the member lookup's 400 before the group's 404). */
async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

const purgeKey = (tenant: string, groupId: string) => `${encodeKeyPart(tenant)}~${encodeKeyPart(groupId)}`;

/** A new value for a group's member stamp: time-ordered, unique across instances. */
const newStamp = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
