import { app } from '@azure/functions';
import { runtime } from '../shared/runtime';
import { createNotifier } from '../shared/notify/notifierSetup';
import type { Notifier } from '../shared/notify/notifier';

/** One per instance: it keeps the mail service's per-instance quota and the hourly storage-alarm memo. */
let notifier: Notifier | undefined;
/** The running invocation's logger (a finished invocation's context must not be logged to). */
let log: (line: string) => void = (line) => console.log(line);

/**
 * Judges every tenant's provisioning health and mails operators once per incident (docs/operations.md#notifications).
 * The schedule is the app setting SCIM_NOTIFY_SCHEDULE (default every 5 minutes), read by the Functions host.
 */
app.timer('provisioningNotifier', {
  schedule: '%SCIM_NOTIFY_SCHEDULE%',
  handler: async (_timer, context) => {
    const rt = runtime();
    // Counts this instance holds are written first: where the timer shares its instance with the HTTP functions
    // (npm start, plans without per-function scaling) a failed flush then does not leave the judged minutes short.
    await rt.activity.recorder?.flush();
    log = (line) => context.log(line);
    notifier ??= createNotifier(
      rt,
      rt.activity.reader,
      (line) => log(line),
      () => new Date(rt.clock.now()),
    );
    const run = await notifier.run();
    context.log(
      `notifier: judged ${run.evaluated} tenant(s), sent ${run.sent.length} mail(s)${run.sent.map((m) => `\n  ${m.to.join(', ')}: ${m.subject}`).join('')}`,
    );
    for (const problem of run.problems) context.warn(`notifier: ${problem}`);
  },
});
