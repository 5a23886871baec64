import { app } from '@azure/functions';
import { httpHandler, scimRoute } from '../shared/http/azureFunctions';
import { rootSearchEndpoint } from '../shared/http/searchEndpoint';

app.http('search', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: scimRoute('.search'),
  handler: httpHandler(rootSearchEndpoint),
});
