/**
 * The protocol's URNs, written out once for all tests. Deliberately not imported from the product: a typo in a
 * product constant must make tests fail, not agree with it.
 */
export const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SPOKE = 'urn:ietf:params:scim:schemas:extension:SpokeCustom:2.0:User';
export const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
export const PO = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LR = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';
