import { RESOURCE_METHODS, scimHttp } from '../shared/http/azureFunctions';
import { resourceEndpoint } from '../shared/http/resourceEndpoint';

scimHttp('groups', { methods: RESOURCE_METHODS, path: 'Groups/{id?}', endpoint: resourceEndpoint((ctx) => ctx.rt.schemas.group) });
