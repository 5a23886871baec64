import { scimHttp } from '../shared/http/azureFunctions';
import { rootSearchEndpoint } from '../shared/http/searchEndpoint';

scimHttp('search', { methods: ['POST'], path: '.search', endpoint: rootSearchEndpoint });
