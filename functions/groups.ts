import { app } from '@azure/functions';
import { httpHandler, RESOURCE_METHODS, scimRoute } from '../shared/http/azureFunctions';
import { resourceEndpoint } from '../shared/http/resourceEndpoint';

app.http('groups', {
  methods: RESOURCE_METHODS,
  authLevel: 'anonymous',
  route: scimRoute('Groups/{id?}'),
  handler: httpHandler(resourceEndpoint((ctx) => ctx.rt.schemas.group)),
});
