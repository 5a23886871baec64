import { scimHttp } from '../shared/http/azureFunctions';
import { rootSearchEndpoint } from '../shared/http/searchEndpoint';
import { runtime } from '../shared/runtime';

scimHttp('search', { methods: ['POST'], path: '.search', endpoint: rootSearchEndpoint, ports: runtime });
