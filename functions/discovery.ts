import { app } from '@azure/functions';
import { httpHandler, READ_ONLY, scimRoute } from '../shared/http/azureFunctions';
import { resourceTypesEndpoint, schemasEndpoint, serviceProviderConfigEndpoint } from '../shared/http/discoveryEndpoint';

app.http('serviceProviderConfig', {
  methods: READ_ONLY,
  authLevel: 'anonymous',
  route: scimRoute('ServiceProviderConfig'),
  handler: httpHandler(serviceProviderConfigEndpoint),
});

app.http('resourceTypes', {
  methods: READ_ONLY,
  authLevel: 'anonymous',
  route: scimRoute('ResourceTypes/{id?}'),
  handler: httpHandler(resourceTypesEndpoint),
});

app.http('schemas', {
  methods: READ_ONLY,
  authLevel: 'anonymous',
  route: scimRoute('Schemas/{id?}'),
  handler: httpHandler(schemasEndpoint),
});
