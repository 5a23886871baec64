import { app } from '@azure/functions';
import { httpHandler, RESOURCE_METHODS, scimRoute } from '../shared/http/azureFunctions';
import { resourceEndpoint } from '../shared/http/resourceEndpoint';

app.http('users', {
  methods: RESOURCE_METHODS,
  authLevel: 'anonymous', // the SCIM bearer token is checked by the pipeline, not by a Functions key
  route: scimRoute('Users/{id?}'),
  handler: httpHandler(resourceEndpoint((ctx) => ctx.rt.schemas.user)),
});
