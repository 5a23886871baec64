import { SchemaDef } from '../scim/schemaDefinitions';
import { StorageSettings, TableAccount } from '../azureClients';
import { ActivitySettings } from './activitySettings';
import { ActivityTables } from '../store/activityTables';
import { ActivityReader, RequestOutcome } from '../store/activityRecords';
import { ActivityRecorder } from './recorder';
import { TableActivityReader } from './reader';
import { detailScrubber } from './scrubDetail';

/** The activity log as the rest of the app sees it: record an outcome, read the record, drop old days. */
export interface ActivityLog {
  /** False with SCIM_ACTIVITY=off: nothing is recorded (the reader still reads what is there). */
  enabled: boolean;
  /** Resolves when recorded (failures wait at most 200 ms); never rejects. */
  observe(outcome: RequestOutcome): Promise<void>;
  /** A SCIM error detail with attribute values masked, as the log may keep it. */
  scrubDetail(detail: string): string;
  reader: ActivityReader;
  /**
   * How long after a minute ends every instance's counts of it are written: a request is recorded when it ends,
   * then waits for the next flush, whose write is bounded by the storage deadline. See settledBefore.
   */
  settleMs: number;
  tables: ActivityTables;
  recorder?: ActivityRecorder;
}

type LogSettings = Omit<ActivitySettings, 'SCIM_ACTIVITY_RETENTION_DAYS'> &
  Required<Pick<StorageSettings, 'SCIM_STORAGE_TIMEOUT_MS'>>;

/** host.json's functionTimeout: the longest a request can run before it is recorded (under its arrival time). */
const LONGEST_REQUEST_MS = 60_000;

export function createActivityLog(
  settings: LogSettings,
  account: TableAccount,
  schemas: SchemaDef[],
  log: (line: string) => void = console.warn,
): ActivityLog {
  const tables = new ActivityTables(account, settings.SCIM_ACTIVITY_TABLE_PREFIX);
  const recorder =
    settings.SCIM_ACTIVITY === 'on'
      ? new ActivityRecorder(tables, { flushMs: settings.SCIM_ACTIVITY_FLUSH_SECONDS * 1000, log })
      : undefined;
  return {
    enabled: recorder !== undefined,
    observe: recorder ? (o) => recorder.observe(o) : () => Promise.resolve(),
    scrubDetail: detailScrubber(schemas),
    reader: new TableActivityReader(tables),
    settleMs: LONGEST_REQUEST_MS + settings.SCIM_ACTIVITY_FLUSH_SECONDS * 1000 + settings.SCIM_STORAGE_TIMEOUT_MS,
    tables,
    recorder,
  };
}
