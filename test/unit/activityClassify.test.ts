import { classify, RequestFacts } from '../../shared/activity/classify';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GUID = '8b2e6a3c-1f4d-4e5a-9c7b-2d3e4f5a6b7c';

const facts = (method: string, path: string, extra: Partial<RequestFacts> = {}): RequestFacts => {
  const [pathname, search] = path.split('?');
  return { method, path: `/scim/v2${pathname}`, query: new URLSearchParams(search ?? ''), status: 200, ...extra };
};
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const emptyList = JSON.stringify({ totalResults: 0, Resources: [] });
const oneHit = JSON.stringify({ totalResults: 1, Resources: [{ id: 'x' }] });

describe('classifying a request as a provisioning step', () => {
  it("calls Entra's Test Connection (a filter eq on a random GUID that finds nothing) a probe", () => {
    const q = `?filter=${encodeURIComponent(`userName eq "${GUID}"`)}`;
    expect(classify(facts('GET', `/Users${q}`, { responseBody: emptyList }))).toEqual({
      operation: 'probe',
      resourceType: 'User',
    });
    expect(classify(facts('GET', `/Users${q}`, { status: 401 }))).toEqual({ operation: 'probe', resourceType: 'User' });
    expect(classify(facts('GET', `/Users${q}`, { responseBody: oneHit })).operation).toBe('match');
  });

  it('calls any other filter eq on a list a match, and other lists a list', () => {
    expect(
      classify(
        facts('GET', `/Users?filter=${encodeURIComponent('userName eq "ann@contoso.com"')}`, {
          responseBody: emptyList,
        }),
      ).operation,
    ).toBe('match');
    expect(classify(facts('GET', '/Groups?filter=displayName+eq+Sales')).operation).toBe('match');
    expect(classify(facts('GET', `/Users?filter=${encodeURIComponent('userName sw "a"')}`)).operation).toBe('list');
    expect(
      classify(facts('GET', `/Users?filter=${encodeURIComponent('userName eq "a" and active eq true')}`)).operation,
    ).toBe('list');
    expect(classify(facts('GET', '/Users?filter=((')).operation).toBe('list');
    expect(classify(facts('GET', '/Users?startIndex=1&count=10'))).toEqual({ operation: 'list', resourceType: 'User' });
    expect(
      classify(
        facts('POST', '/Users/.search', { body: { filter: `externalId eq "${GUID}"` }, responseBody: emptyList }),
      ),
    ).toEqual({ operation: 'probe', resourceType: 'User' });
    expect(classify(facts('POST', '/.search', { body: { filter: 'userName eq "b"' } }))).toEqual({
      operation: 'match',
    });
  });

  it('names create (with the new id), read and delete', () => {
    expect(
      classify(
        facts('POST', '/Users', { status: 201, responseBody: JSON.stringify({ id: 'new-id', userName: 'ann' }) }),
      ),
    ).toEqual({ operation: 'create', resourceType: 'User', resourceId: 'new-id' });
    expect(classify(facts('POST', '/Groups', { status: 409 }))).toEqual({ operation: 'create', resourceType: 'Group' });
    expect(classify(facts('GET', '/Users/abc'))).toEqual({
      operation: 'read',
      resourceType: 'User',
      resourceId: 'abc',
    });
    expect(classify(facts('DELETE', '/Groups/g%201'))).toEqual({
      operation: 'delete',
      resourceType: 'Group',
      resourceId: 'g 1',
    });
  });

  it('calls a PATCH or PUT setting active to false a disable, in the RFC form and Entra\'s "False" string', () => {
    expect(
      classify(facts('PATCH', '/Users/u1', { body: patch({ op: 'Replace', path: 'active', value: 'False' }) }))
        .operation,
    ).toBe('disable');
    expect(
      classify(facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', path: 'active', value: false }) })).operation,
    ).toBe('disable');
    expect(
      classify(
        facts('PATCH', '/Users/u1', { body: patch({ op: 'replace', value: { active: false, displayName: 'x' } }) }),
      ).operation,
    ).toBe('disable');
    expect(classify(facts('PUT', '/Users/u1', { body: { userName: 'ann', active: 'false' } })).operation).toBe(
      'disable',
    );
    expect(
      classify(facts('PATCH', '/Users/u1', { body: patch({ op: 'Replace', path: 'active', value: 'True' }) }))
        .operation,
    ).toBe('update');
    expect(
      classify(facts('PATCH', '/Users/u1', { body: patch({ op: 'Replace', path: 'displayName', value: 'False' }) }))
        .operation,
    ).toBe('update');
    expect(classify(facts('PUT', '/Users/u1', { body: { userName: 'ann', active: true } })).operation).toBe('update');
    expect(classify(facts('PATCH', '/Users/u1', { body: 'not json' })).operation).toBe('update');
    expect(classify(facts('PATCH', '/Users/u1'))).toEqual({
      operation: 'update',
      resourceType: 'User',
      resourceId: 'u1',
    });
  });

  it('calls group PATCHes on members memberAdd or memberRemove, the first member operation deciding', () => {
    expect(
      classify(facts('PATCH', '/Groups/g1', { body: patch({ op: 'Add', path: 'members', value: [{ value: 'u1' }] }) })),
    ).toEqual({ operation: 'memberAdd', resourceType: 'Group', resourceId: 'g1' });
    expect(
      classify(facts('PATCH', '/Groups/g1', { body: patch({ op: 'Remove', path: 'members[value eq "u1"]' }) }))
        .operation,
    ).toBe('memberRemove');
    expect(
      classify(
        facts('PATCH', '/Groups/g1', { body: patch({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }) }),
      ).operation,
    ).toBe('memberRemove');
    expect(
      classify(facts('PATCH', '/Groups/g1', { body: patch({ op: 'add', value: { members: [{ value: 'u1' }] } }) }))
        .operation,
    ).toBe('memberAdd');
    expect(
      classify(
        facts('PATCH', '/Groups/g1', {
          body: patch(
            { op: 'Replace', path: 'displayName', value: 'x' },
            { op: 'Remove', path: 'members', value: [{ value: 'u' }] },
          ),
        }),
      ).operation,
    ).toBe('memberRemove');
    expect(
      classify(facts('PATCH', '/Groups/g1', { body: patch({ op: 'Replace', path: 'displayName', value: 'x' }) }))
        .operation,
    ).toBe('update');
    expect(
      classify(facts('PATCH', '/Groups/g1', { body: patch({ op: 'Replace', path: 'active', value: 'False' }) }))
        .operation,
    ).toBe('update');
  });

  it('calls the discovery endpoints discovery, on named tenants too', () => {
    expect(classify(facts('GET', '/ServiceProviderConfig'))).toEqual({ operation: 'discovery' });
    expect(classify(facts('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User'))).toEqual({
      operation: 'discovery',
    });
    expect(
      classify({ method: 'GET', path: '/scim/acme/v2/resourcetypes', query: new URLSearchParams(), status: 200 }),
    ).toEqual({ operation: 'discovery' });
  });
});
