import { RESOURCE_METHODS, scimHttp } from '../shared/http/azureFunctions';
import { resourceEndpoint } from '../shared/http/resourceEndpoint';

scimHttp('users', { methods: RESOURCE_METHODS, path: 'Users/{id?}', endpoint: resourceEndpoint((ctx) => ctx.rt.schemas.user) });
