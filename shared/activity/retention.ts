import type { ActivityTables } from '../store/activityTables';
import { DAY_MS } from '../store/activityGrid';

/**
 * Drops the day tables whose every record is older than `retentionDays`: one list and one delete per expired
 * day, whatever the number of records (deleting rows one by one would cost a write per record).
 */
export async function dropExpiredDays(
  tables: ActivityTables,
  retentionDays: number,
  now = Date.now(),
): Promise<string[]> {
  const horizon = now - retentionDays * DAY_MS;
  const expired = (await tables.existing()).filter((t) => t.day + DAY_MS <= horizon);
  for (const t of expired) await tables.drop(t.name);
  return expired.map((t) => t.name);
}
