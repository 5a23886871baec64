import { app } from '@azure/functions';
import { runtime } from '../shared/runtime';

/**
 * Sends the change events an instance wrote but did not get to send (it crashed, was recycled, or the queue was
 * down): every outbox row older than the settle window. Each minute, so such an event is at most about a minute late;
 * without SCIM_CHANGES_QUEUE it does nothing.
 */
app.timer('changeQueueSweep', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const { changes, delivery } = runtime();
    if (!delivery) return;
    const sent = await delivery.sweep(await changes.tenants());
    if (sent) context.log(`change queue: the sweep sent ${sent} event(s) left in the outbox`);
  },
});
