import { READ_ONLY, scimHttp } from '../shared/http/azureFunctions';
import { resourceTypesEndpoint, schemasEndpoint, serviceProviderConfigEndpoint } from '../shared/http/discoveryEndpoint';

scimHttp('serviceProviderConfig', { methods: READ_ONLY, path: 'ServiceProviderConfig', endpoint: serviceProviderConfigEndpoint });
scimHttp('resourceTypes', { methods: READ_ONLY, path: 'ResourceTypes/{id?}', endpoint: resourceTypesEndpoint });
scimHttp('schemas', { methods: READ_ONLY, path: 'Schemas/{id?}', endpoint: schemasEndpoint });
