import { readSettings } from '../../shared/config';

const base = { SCIM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

describe('app settings', () => {
  it('treats blank settings as not set, as local.settings.sample.json leaves some blank', () => {
    const s = readSettings({ ...base, SCIM_TABLE_ENDPOINT: '', SCIM_KEY_VAULT_URL: ' ', SCIM_TOKEN_CACHE_SECONDS: '' });
    expect(s.SCIM_TABLE_ENDPOINT).toBeUndefined();
    expect(s.SCIM_KEY_VAULT_URL).toBeUndefined();
    expect(s.SCIM_TOKEN_CACHE_SECONDS).toBe(300);
  });

  it('reads named tenants\' tokens and Entra tenants as one value or a list', () => {
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
    const s = readSettings({ ...base, SCIM_ACS_ENDPOINT: 'https://acs-x.unitedstates.communication.azure.com', SCIM_MAIL_FROM: 'DoNotReply@0a1b.azurecomm.net' });
    expect([s.SCIM_ACS_ENDPOINT, s.SCIM_MAIL_FROM]).toEqual(['https://acs-x.unitedstates.communication.azure.com', 'DoNotReply@0a1b.azurecomm.net']);
  });

  it('needs one of the two storage settings', () => {
    expect(() => readSettings({ SCIM_TOKEN: 'x'.repeat(20) })).toThrow(/SCIM_STORAGE_CONNECTION_STRING.*SCIM_TABLE_ENDPOINT/);
  });
});
