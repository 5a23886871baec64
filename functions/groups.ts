import { RESOURCE_METHODS, scimHttp } from '../shared/http/azureFunctions';
import { resourceEndpoint } from '../shared/http/resourceEndpoint';
import { runtime } from '../shared/runtime';

scimHttp('groups', {
  methods: RESOURCE_METHODS,
  path: 'Groups/{id?}',
  endpoint: resourceEndpoint((ports) => ports.schemas.group),
  ports: runtime,
});
