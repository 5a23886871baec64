/** What deleting a tenant touches: only these (the runtime provides all of them). */
export interface TenantDeletionSources {
  tenants: { delete(tenant: string): Promise<boolean> };
  tokens: { removeTenant(tenant: string): Promise<void> };
  tokenUsage: { forget(tenant: string): Promise<void> };
  alarmStates: { forget(tenant: string): Promise<void> };
  repository: { resources: { deleteTenantData(tenant: string): Promise<number> } };
}

export interface TenantDeletion {
  /** Whether the tenant had a directory entry (one known only from settings has none). */
  existed: boolean;
  /** Rows of its users, groups and memberships deleted; undefined when its data was kept. */
  purgedRows?: number;
}

/**
 * Removes a tenant: its directory entry, every token issued to it with their use records, its alarm state, and with
 * `purgeData` its users, groups and memberships. Access goes first, so a failure part-way leaves a tenant that can
 * no longer sign in (the command can be run again), never one whose data is gone while its tokens still work.
 * Tokens declared in settings are not ours to delete; they stop with the setting.
 */
export async function deleteTenant(
  sources: TenantDeletionSources,
  tenant: string,
  options: { purgeData: boolean },
): Promise<TenantDeletion> {
  const existed = await sources.tenants.delete(tenant);
  await sources.tokens.removeTenant(tenant);
  await sources.tokenUsage.forget(tenant);
  await sources.alarmStates.forget(tenant);
  if (!options.purgeData) return { existed };
  return { existed, purgedRows: await sources.repository.resources.deleteTenantData(tenant) };
}
