import { InvalidSettings, readSettings } from '../../shared/config';

const base = { SCIM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

describe('app settings', () => {
  it('treats blank settings as not set, as local.settings.sample.json leaves some blank', () => {
    const s = readSettings({ ...base, SCIM_TABLE_ENDPOINT: '', SCIM_KEY_VAULT_URL: ' ', SCIM_TOKEN_CACHE_SECONDS: '' });
    expect(s.SCIM_TABLE_ENDPOINT).toBeUndefined();
    expect(s.SCIM_KEY_VAULT_URL).toBeUndefined();
    expect(s.SCIM_TOKEN_CACHE_SECONDS).toBe(300);
  });

  it("reads named tenants' tokens and Entra tenants as one value or a list", () => {
    const s = readSettings({
      ...base,
      SCIM_TENANT_TOKENS: JSON.stringify({ acme: 'a'.repeat(20), globex: ['b'.repeat(20), 'c'.repeat(20)] }),
      SCIM_ENTRA_TENANTS: JSON.stringify({ default: '0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D' }),
    });
    expect(s.SCIM_TENANT_TOKENS).toEqual({ acme: ['a'.repeat(20)], globex: ['b'.repeat(20), 'c'.repeat(20)] });
    expect(s.SCIM_ENTRA_TENANTS).toEqual({ default: ['0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'] });
  });

  it.each([
    [{ SCIM_TENANT_TOKENS: '{"Bad_Tenant": "aaaaaaaaaaaaaaaaaaaa"}' }, /SCIM_TENANT_TOKENS.*lower-case/],
    [{ SCIM_TENANT_TOKENS: '{"acme": "short"}' }, /SCIM_TENANT_TOKENS.*at least 16/],
    [{ SCIM_TENANT_TOKENS: '{acme}' }, /SCIM_TENANT_TOKENS must be JSON/],
    [{ SCIM_ENTRA_TENANTS: '{"default": "contoso.onmicrosoft.com"}' }, /SCIM_ENTRA_TENANTS.*GUID/],
    [{ SCIM_KEY_VAULT_URL: 'my-vault' }, /SCIM_KEY_VAULT_URL/],
    [{ SCIM_TOKEN_CACHE_SECONDS: '0' }, /SCIM_TOKEN_CACHE_SECONDS/],
    [{ SCIM_ACS_ENDPOINT: 'acs-contoso' }, /SCIM_ACS_ENDPOINT must be the Communication Service's https/],
    [{ SCIM_MAIL_FROM: 'DoNotReply' }, /SCIM_MAIL_FROM must be an email address/],
  ])('refuses %j with a message naming the setting', (env, message) => {
    expect(() => readSettings({ ...base, ...env })).toThrow(message);
  });

  it('reads the mail settings that azd up sets for the notifier', () => {
    const s = readSettings({
      ...base,
      SCIM_ACS_ENDPOINT: 'https://acs-x.unitedstates.communication.azure.com',
      SCIM_MAIL_FROM: 'DoNotReply@0a1b.azurecomm.net',
    });
    expect([s.SCIM_ACS_ENDPOINT, s.SCIM_MAIL_FROM]).toEqual([
      'https://acs-x.unitedstates.communication.azure.com',
      'DoNotReply@0a1b.azurecomm.net',
    ]);
  });

  it('names every bad setting at once, with its reason and never its value', () => {
    const bad = {
      SCIM_TOKEN: 'short-secret-1',
      SCIM_MAX_SCAN: 'lots-of-them',
      SCIM_EXTENSIONS: '[{"id": "urn:acme:ext", "attributes": [',
      SCIM_ACTIVITY: 'sometimes-secret',
      SCIM_TENANT_TOKENS: '{"acme": "tiny-secret-2"}',
      SCIM_ACS_ENDPOINT: 'https://acs-contoso.communication.azure.com',
    };
    let error: unknown;
    try {
      readSettings(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSettings);
    const invalid = error as InvalidSettings;
    expect(invalid.problems).toEqual([
      { setting: 'SCIM_TOKEN', reason: 'a Secret Token must be at least 16 characters' },
      { setting: 'SCIM_TENANT_TOKENS.acme.0', reason: 'a Secret Token must be at least 16 characters' },
      { setting: 'SCIM_EXTENSIONS', reason: 'SCIM_EXTENSIONS must be JSON' },
      { setting: 'SCIM_MAX_SCAN', reason: 'must be a number' },
      { setting: 'SCIM_ACTIVITY', reason: 'must be one of on, off' },
      // The pairings are checked even though single fields failed, and the storage setting is missing here.
      { setting: 'SCIM_STORAGE_CONNECTION_STRING', reason: expect.stringContaining('SCIM_TABLE_ENDPOINT') },
      { setting: 'SCIM_ACS_ENDPOINT', reason: expect.stringContaining('needs SCIM_MAIL_FROM') },
    ]);
    expect(invalid.settings).toEqual([
      'SCIM_TOKEN',
      'SCIM_TENANT_TOKENS',
      'SCIM_EXTENSIONS',
      'SCIM_MAX_SCAN',
      'SCIM_ACTIVITY',
      'SCIM_STORAGE_CONNECTION_STRING',
      'SCIM_ACS_ENDPOINT',
    ]);
    for (const value of ['short-secret-1', 'lots-of-them', 'sometimes-secret', 'tiny-secret-2', 'acs-contoso'])
      expect(invalid.message).not.toContain(value);
    expect(invalid.stack).not.toMatch(/\n\s+at /);
  });

  it('needs one of the two storage settings', () => {
    expect(() => readSettings({ SCIM_TOKEN: 'x'.repeat(20) })).toThrow(
      /SCIM_STORAGE_CONNECTION_STRING.*SCIM_TABLE_ENDPOINT/,
    );
  });
});
