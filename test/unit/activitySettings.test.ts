import { readSettings } from '../../shared/config';

const base = { SCIM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

describe('activity log settings', () => {
  it('records by default, flushing every 60 s, keeping 30 days in scimactivity{yyyymmdd} tables', () => {
    expect(readSettings(base)).toMatchObject({
      SCIM_ACTIVITY: 'on',
      SCIM_ACTIVITY_FLUSH_SECONDS: 60,
      SCIM_ACTIVITY_RETENTION_DAYS: 30,
      SCIM_ACTIVITY_TABLE_PREFIX: 'scimactivity',
    });
    expect(readSettings({ ...base, SCIM_ACTIVITY: 'OFF', SCIM_ACTIVITY_FLUSH_SECONDS: '5' })).toMatchObject({
      SCIM_ACTIVITY: 'off',
      SCIM_ACTIVITY_FLUSH_SECONDS: 5,
    });
  });

  it.each([
    [{ SCIM_ACTIVITY: 'maybe' }, /SCIM_ACTIVITY/],
    [{ SCIM_ACTIVITY_FLUSH_SECONDS: '0' }, /SCIM_ACTIVITY_FLUSH_SECONDS/],
    [{ SCIM_ACTIVITY_RETENTION_DAYS: 'forever' }, /SCIM_ACTIVITY_RETENTION_DAYS/],
    [{ SCIM_ACTIVITY_TABLE_PREFIX: 'scim-activity' }, /SCIM_ACTIVITY_TABLE_PREFIX must be 3-55 letters and digits/],
    [{ SCIM_ACTIVITY_TABLE_PREFIX: 'a'.repeat(56) }, /SCIM_ACTIVITY_TABLE_PREFIX/],
  ])('refuses %j with a message naming the setting', (env, message) => {
    expect(() => readSettings({ ...base, ...env })).toThrow(message);
  });
});
