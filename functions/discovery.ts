import { READ_ONLY, scimHttp } from '../shared/http/azureFunctions';
import {
  resourceTypesEndpoint,
  schemasEndpoint,
  serviceProviderConfigEndpoint,
} from '../shared/http/discoveryEndpoint';
import { runtime } from '../shared/runtime';

scimHttp('serviceProviderConfig', {
  methods: READ_ONLY,
  path: 'ServiceProviderConfig',
  endpoint: serviceProviderConfigEndpoint,
  ports: runtime,
});
scimHttp('resourceTypes', {
  methods: READ_ONLY,
  path: 'ResourceTypes/{id?}',
  endpoint: resourceTypesEndpoint,
  ports: runtime,
});
scimHttp('schemas', { methods: READ_ONLY, path: 'Schemas/{id?}', endpoint: schemasEndpoint, ports: runtime });
