import type { Settings } from '../config';
import { SchemaDef } from '../scim/schemaDefinitions';
import { TableAccount } from '../store/tableAccount';
import { ActivityTables } from './activityTables';
import { ActivityReader, RequestOutcome } from './outcome';
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
  tables: ActivityTables;
  recorder?: ActivityRecorder;
}

type ActivitySettings = Pick<Settings, 'SCIM_ACTIVITY' | 'SCIM_ACTIVITY_FLUSH_SECONDS' | 'SCIM_ACTIVITY_TABLE_PREFIX'>;

export function createActivityLog(settings: ActivitySettings, account: TableAccount, schemas: SchemaDef[], log: (line: string) => void = console.warn): ActivityLog {
  const tables = new ActivityTables(account, settings.SCIM_ACTIVITY_TABLE_PREFIX);
  const recorder = settings.SCIM_ACTIVITY === 'on' ? new ActivityRecorder(tables, { flushMs: settings.SCIM_ACTIVITY_FLUSH_SECONDS * 1000, log }) : undefined;
  return {
    enabled: recorder !== undefined,
    observe: recorder ? (o) => recorder.observe(o) : () => Promise.resolve(),
    scrubDetail: detailScrubber(schemas),
    reader: new TableActivityReader(tables),
    tables,
    recorder,
  };
}
