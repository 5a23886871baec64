import { RESOURCE_METHODS, scimHttp } from '../shared/http/azureFunctions';
import { resourceEndpoint } from '../shared/http/resourceEndpoint';
import { runtime } from '../shared/runtime';

scimHttp('users', {
  methods: RESOURCE_METHODS,
  path: 'Users/{id?}',
  endpoint: resourceEndpoint((ports) => ports.schemas.user),
  ports: runtime,
});
