import { detailScrubber } from '../../shared/activity/scrubDetail';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';

const scrub = detailScrubber(buildSchemaRegistry([]).all);

describe('the detail an activity record keeps', () => {
  it('masks quoted attribute values but keeps attribute names', () => {
    expect(scrub('A User with userName "ann@contoso.com" already exists (compared case-insensitively).')).toBe(
      'A User with userName "…" already exists (compared case-insensitively).',
    );
    expect(scrub('"emails" must be an array; got "ann@contoso.com".')).toBe('"emails" must be an array; got ….');
    expect(scrub('"name.givenName" is required for a User.')).toBe('"name.givenName" is required for a User.');
    expect(
      scrub('Unknown attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" for User.'),
    ).toContain('"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"');
    expect(
      scrub('Invalid filter: "jyoung" is not a dateTime (e.g. 2026-01-31T09:00:00Z) for "meta.lastModified".'),
    ).toBe('Invalid filter: "…" is not a dateTime (e.g. 2026-01-31T09:00:00Z) for "meta.lastModified".');
  });

  it('drops what the JSON parser echoes of the body, and bounds the length', () => {
    expect(scrub(`The request body is not valid JSON: Unexpected token 'a', "ann@contoso" is not valid JSON.`)).toBe(
      'The request body is not valid JSON …',
    );
    expect(scrub('x'.repeat(2000))).toHaveLength(500);
  });
});
