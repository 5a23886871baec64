import { z } from 'zod';

/** An attribute's characteristics except its sub-attributes (the recursion, added below). */
const attributeFields = z.object({
  name: z.string().regex(/^\$?[A-Za-z][\w-]*$/),
  type: z.enum(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'complex', 'binary']),
  multiValued: z.boolean().default(false),
  description: z.string().optional(),
  required: z.boolean().default(false),
  caseExact: z.boolean().default(false),
  mutability: z.enum(['readOnly', 'readWrite', 'immutable', 'writeOnly']).default('readWrite'),
  returned: z.enum(['always', 'never', 'default', 'request']).default('default'),
  uniqueness: z.enum(['none', 'server', 'global']).default('none'),
  canonicalValues: z.array(z.string()).optional(),
  referenceTypes: z.array(z.string()).optional(),
});

/** An attribute as written (defaults may be left out) and as parsed (defaults filled), sub-attributes alike. */
type AttributeInput = z.input<typeof attributeFields> & { subAttributes?: AttributeInput[] };
export type AttributeDef = z.output<typeof attributeFields> & { subAttributes?: AttributeDef[] };

/**
 * RFC 7643 §7 attribute characteristics. Everything that needs a rule about an attribute reads it from here.
 * Only the recursion is lazy: a `z.lazy` around the whole object would build a fresh object schema on every
 * parse, and the built-in schemas below parse ~150 attributes while the app loads. TypeScript cannot infer a
 * recursive type, so the recursive member is added to the inferred types by hand (zod's documented pattern).
 */
export const attributeSchema: z.ZodType<AttributeDef, z.ZodTypeDef, AttributeInput> = attributeFields.extend({
  subAttributes: z.array(z.lazy(() => attributeSchema)).optional(),
});

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

type Partial1 = Partial<AttributeDef> & Pick<AttributeDef, 'name'>;
const attr = (a: Partial1): AttributeDef => attributeSchema.parse({ type: 'string', ...a });
const str = (name: string, extra: Partial<AttributeDef> = {}) => attr({ name, ...extra });
const bool = (name: string) => attr({ name, type: 'boolean' });
const complex = (name: string, subAttributes: AttributeDef[], extra: Partial<AttributeDef> = {}) =>
  attr({ name, type: 'complex', subAttributes, ...extra });

/**
 * The multi-valued "type/value/display/primary" shape shared by emails, phoneNumbers, ims, photos, roles…
 * `types` are RFC 7643's canonical values for `type` (§4.1.2, §8.7.1): a discovering client (Entra's schema
 * discovery among them) forms paths such as `emails[type eq "work"].value` from them. They are suggestions, not
 * a closed list: any other `type` is stored as sent. RFC 7643 §8.7.1 gives roles, entitlements and
 * x509Certificates an empty list.
 */
const multi = (name: string, types: string[], value: Partial<AttributeDef> = {}) =>
  attr({
    name,
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attr({ ...value, name: 'value' }),
      str('display'),
      str('type', { canonicalValues: types }),
      bool('primary'),
    ],
  });

const WORK_HOME_OTHER = ['work', 'home', 'other'];

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const readOnlyMeta = attr({
  name: 'meta',
  type: 'complex',
  mutability: 'readOnly',
  subAttributes: ['resourceType', 'created', 'lastModified', 'location', 'version'].map((n) =>
    str(n, {
      mutability: 'readOnly',
      caseExact: true,
      type: n === 'created' || n === 'lastModified' ? 'dateTime' : 'string',
    }),
  ),
});

/** Server-managed attributes every resource has (RFC 7643 §3.1), not part of any schema's attribute list in /Schemas. */
export const commonAttributes: AttributeDef[] = [
  str('id', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  readOnlyMeta,
];

/**
 * RFC 7643 §3.1 calls externalId common too, but it is the client's own attribute (Entra maps mailNickname and
 * objectId to it), and a client that builds its mappings from /Schemas offers only what a schema lists. §3.1
 * lets a schema list common attributes, so User and Group do.
 */
const externalId = str('externalId', { caseExact: true });

/** The attribute that names a resource uniquely within the service (RFC 7643 §4.1 userName, §4.2 displayName). */
const uniqueName = (name: string) => str(name, { required: true, uniqueness: 'server' });

export const userSchema: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    externalId,
    uniqueName('userName'),
    complex(
      'name',
      ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => str(n)),
    ),
    str('displayName'),
    str('nickName'),
    str('profileUrl', { type: 'reference', referenceTypes: ['external'] }),
    str('title'),
    str('userType'),
    str('preferredLanguage'),
    str('locale'),
    str('timezone'),
    bool('active'),
    str('password', { mutability: 'writeOnly', returned: 'never' }),
    multi('emails', WORK_HOME_OTHER),
    multi('phoneNumbers', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multi('ims', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multi('photos', ['photo', 'thumbnail'], { type: 'reference', referenceTypes: ['external'] }), // RFC 7643 §4.1.2: a URL of an image
    attr({
      name: 'addresses',
      type: 'complex',
      multiValued: true,
      subAttributes: ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country']
        .map((n) => str(n))
        .concat(str('type', { canonicalValues: WORK_HOME_OTHER }), bool('primary')),
    }),
    attr({
      name: 'groups',
      type: 'complex',
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        str('value', { mutability: 'readOnly' }),
        str('$ref', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }),
        str('display', { mutability: 'readOnly' }),
        str('type', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
    }),
    multi('entitlements', []),
    multi('roles', []),
    multi('x509Certificates', [], { type: 'binary', caseExact: true }), // RFC 7643 §8.7.1: base64 is case-sensitive
  ],
};

export const enterpriseUserSchema: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber'),
    str('costCenter'),
    str('organization'),
    str('division'),
    str('department'),
    attr({
      name: 'manager',
      type: 'complex',
      subAttributes: [
        str('value', { caseExact: true }),
        str('$ref', { type: 'reference', referenceTypes: ['User'] }),
        str('displayName', { mutability: 'readOnly' }),
      ],
    }),
  ],
};

export const groupSchema: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    externalId,
    uniqueName('displayName'),
    complex(
      'members',
      [
        str('value', { caseExact: true, mutability: 'immutable' }),
        str('$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'immutable' }),
        str('display', { mutability: 'readOnly' }),
        str('type', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
      ],
      { multiValued: true },
    ),
  ],
};

/** Operator-declared extensions (config `SCIM_EXTENSIONS`): single-valued attributes under their own URN. */
export const extensionConfigSchema = z.array(
  z.object({
    id: z
      .string()
      .regex(
        /^urn:[a-z0-9][a-z0-9-]{0,31}:[^\s]+$/i,
        'must be a URN such as urn:ietf:params:scim:schemas:extension:Acme:2.0:User',
      ),
    name: z.string().optional(),
    resourceType: z.enum(['User', 'Group']).default('User'),
    attributes: z.array(attributeSchema).min(1),
  }),
);
export type ExtensionConfig = z.infer<typeof extensionConfigSchema>;
