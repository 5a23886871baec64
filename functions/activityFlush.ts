import { app } from '@azure/functions';
import { builtRuntime } from '../shared/runtime';

/**
 * Success counts wait in memory for the next flush (SCIM_ACTIVITY_FLUSH_SECONDS). When the platform takes an
 * instance away (scale-in, a deployment, Flex Consumption moving functions between instances), the worker runs
 * this before it exits, so what the instance counted reaches the log instead of vanishing with it.
 */
app.hook.appTerminate(async () => {
  await builtRuntime()?.activity.recorder?.close();
});
