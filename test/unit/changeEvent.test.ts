import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { changedAttributes, changeEventSchema, identifiersOf } from '../../shared/scim/changeEvent';

const SCHEMA_FILE = join(__dirname, '..', '..', 'docs', 'change-event.schema.json');
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('the change event', () => {
  it('is published as the JSON Schema its zod schema exports (UPDATE_SCHEMA=1 rewrites the file)', () => {
    // zod-to-json-schema is typed against zod's `zod/v3` declarations, the app against `zod`'s: the same classes
    // in two declaration copies, which TypeScript gives up comparing ("excessively deep"), hence `never`.
    const exported = `${JSON.stringify(zodToJsonSchema(changeEventSchema as never, { name: 'ChangeEvent', $refStrategy: 'none' }), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, exported);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(exported);
  });

  it('names top-level and extension attributes that changed, never their values', () => {
    const before = {
      userName: 'ada',
      active: true,
      emails: [{ value: 'a@x' }],
      [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1' } },
    };
    const after = {
      userName: 'ada',
      active: false,
      emails: [{ value: 'a@x' }],
      title: 'CTO',
      [ENTERPRISE]: { department: 'R&D', manager: { value: 'm2' } },
    };
    expect(changedAttributes(before, after)).toEqual(['active', 'title', `${ENTERPRISE}:manager`]);
    expect(changedAttributes(after, after)).toEqual([]);
    expect(
      changedAttributes({ name: { givenName: 'A', familyName: 'L' } }, { name: { familyName: 'L', givenName: 'A' } }),
    ).toEqual([]);
    expect(changedAttributes({ [ENTERPRISE]: { department: 'x' } }, {})).toEqual([`${ENTERPRISE}:department`]);
  });

  it("carries a user's userName and externalId, a group's displayName and externalId", () => {
    expect(identifiersOf('User', { userName: 'ada', externalId: 'e1', displayName: 'Ada' })).toEqual({
      userName: 'ada',
      externalId: 'e1',
    });
    expect(identifiersOf('Group', { displayName: 'Staff' })).toEqual({ displayName: 'Staff' });
  });

  it('refuses an event without its correlation id or with a malformed id', () => {
    const event = {
      id: '001733000000000-0123456789ab',
      time: '2026-01-01T00:00:00.000Z',
      tenant: 'default',
      operation: 'patch',
      resourceType: 'User',
      resourceId: 'u1',
      attributes: ['active'],
      membersAdded: [],
      membersRemoved: [],
      versionBefore: 'W/"1"',
      versionAfter: 'W/"2"',
      correlationId: 'c',
      tokenId: 't',
    };
    expect(changeEventSchema.safeParse(event).success).toBe(true);
    const { correlationId: _, ...withoutCorrelation } = event;
    expect(changeEventSchema.safeParse(withoutCorrelation).success).toBe(false);
    expect(changeEventSchema.safeParse({ ...event, id: '1' }).success).toBe(false);
  });
});
