import { TableClient } from '@azure/data-tables';
import { PartitionTable } from '../../shared/store/partitionTable';
import { AlarmStates } from '../../shared/store/alarmStates';
import { Notifier, NotifierOptions, TenantFacts } from '../../shared/notify/notifier';
import type { MailTransport } from '../../shared/notify/mailTransport';
import { DEFAULT_THRESHOLDS } from '../../shared/notify/rules';
import { MemoryActivity } from './memoryActivity';

export const OPTIONS: NotifierOptions = {
  thresholds: DEFAULT_THRESHOLDS,
  recoveryMinutes: 60,
  defaultTo: ['ops@example.com'],
  from: 'scim-notifier@example.com',
  publicUrl: 'https://scim.example.com',
  settleMs: 0,
};

/** Tenants with fixed recipients and token inventories, as the directory and token sources would answer. */
export function fixedFacts(
  tenants: string[],
  extra: {
    recipients?: Record<string, string[]>;
    tokens?: Record<string, Awaited<ReturnType<TenantFacts['tokens']>>>;
  } = {},
): TenantFacts {
  return {
    tenants: async () => tenants,
    recipients: async (t) => extra.recipients?.[t] ?? [],
    tokens: async (t) => extra.tokens?.[t] ?? [{ id: `${t}-token`, usable: true }],
  };
}

/** A notifier on the real alarm-state rows (Azurite), with an in-memory activity log and a settable clock. */
export function notifierOn(
  connectionString: string,
  table: string,
  parts: {
    activity: MemoryActivity;
    facts: TenantFacts;
    transport: MailTransport;
    clock: () => Date;
    options?: Partial<NotifierOptions>;
    log?: (l: string) => void;
    storageRetries?: number;
  },
) {
  const client = TableClient.fromConnectionString(connectionString, table, {
    allowInsecureConnection: true,
    ...(parts.storageRetries === undefined ? {} : { retryOptions: { maxRetries: parts.storageRetries } }),
  });
  const alarms = new AlarmStates(new PartitionTable(client));
  return {
    alarms,
    notifier: new Notifier({
      ...parts,
      alarms,
      log: parts.log ?? (() => {}),
      options: { ...OPTIONS, ...parts.options },
    }),
  };
}
